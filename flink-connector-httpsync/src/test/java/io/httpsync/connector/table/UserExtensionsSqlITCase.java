package io.httpsync.connector.table;

import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.connector.testutil.TicketsApi;
import io.httpsync.connector.testutil.TicketsApi.Ticket;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The extension SPI from SQL, as a user meets it: a platform ({@link TicketsApi}) that keys its
 * records by id inside an envelope and refuses unsigned requests is synced by a table that names a
 * user's {@code response.transformer} and {@code request.signer} (plain classes on the job's class
 * path, {@code com.acme.tickets}) exactly: the rows equal the platform's tickets. Without either
 * class the job fails loudly, naming what is wrong, and never ends "successfully" with rows
 * missing. A class that cannot be used is refused when the statement is planned, before any job
 * starts, with a message naming the option and the class.
 */
class UserExtensionsSqlITCase {
    private static final String APP_ID = "acme-app";
    private static final String APP_SECRET = "TicketSecret-4711";
    private static final String SCHEMA = "(id STRING, updated_at BIGINT, title STRING)";

    private static TicketsApi api;

    @BeforeAll
    static void startPlatform() {
        long end = System.currentTimeMillis() - Duration.ofMinutes(5).toMillis();
        end -= end % 1000;
        long start = end - Duration.ofHours(4).toMillis();
        api = new TicketsApi(APP_ID, APP_SECRET, start, end, 230);
    }

    @AfterAll
    static void stopPlatform() {
        api.close();
    }

    /** The table a user writes from the platform's documentation and docs/extending.md. */
    private static Map<String, String> table(Consumer<Map<String, String>> change) {
        Map<String, String> o = api.table();
        o.put("retry.initial-backoff", "20 ms");
        o.put("retry.max-backoff", "100 ms");
        change.accept(o);
        return o;
    }

    private static TableEnvironment tickets(Map<String, String> options) {
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.getConfig().set("restart-strategy.type", "none");
        // one reader: the rows are collected by a sink of parallelism 1
        tEnv.getConfig().set("parallelism.default", "1");
        tEnv.executeSql("CREATE TABLE tickets " + SCHEMA + " " + SqlTables.with(options));
        return tEnv;
    }

    private static List<Ticket> sync(Map<String, String> options) throws Exception {
        List<Ticket> rows = new ArrayList<>();
        try (CloseableIterator<Row> it =
                tickets(options)
                        .executeSql("SELECT id, updated_at, title FROM tickets")
                        .collect()) {
            it.forEachRemaining(
                    r ->
                            rows.add(
                                    new Ticket(
                                            (String) r.getField(0),
                                            (Long) r.getField(1),
                                            (String) r.getField(2))));
        }
        return rows;
    }

    /** The failure of a sync whose table leaves {@code option} out, failing on the first event. */
    private static String failureWithout(String option) {
        Map<String, String> options =
                table(
                        o -> {
                            o.remove(option);
                            o.put("scan.exception-policy", "fail");
                        });
        Throwable error = catchThrowable(() -> sync(options));
        assertThat(error).as("the job fails").isNotNull();
        return ExceptionUtils.stringifyException(error);
    }

    @Test
    void aPlatformNeedingAUserTransformerAndSignerIsSyncedExactlyFromSql() throws Exception {
        int refusedBefore = api.refused();

        List<Ticket> rows = sync(table(o -> o.put("scan.exception-policy", "fail")));

        assertThat(rows).containsExactlyInAnyOrderElementsOf(api.truth());
        assertThat(api.refused()).as("requests the platform refused").isEqualTo(refusedBefore);
    }

    @Test
    void withoutTheSignerThePlatformsRefusalFailsTheJob() {
        int refusedBefore = api.refused();

        String text = failureWithout("request.signer");

        assertThat(api.refused()).isGreaterThan(refusedBefore);
        assertThat(text).contains("401").doesNotContain(APP_SECRET);
    }

    @Test
    void withoutTheTransformerTheEnvelopeFailsTheJobNamingTheRecordsPath() {
        String text = failureWithout("response.transformer");

        assertThat(text).contains("response.records-path").contains("/records");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "response.transformer, com.acme.tickets.NoSuchTransformer, cannot be loaded by the job's class loader",
        "request.signer, com.acme.tickets.Misfits$NotATransformer, does not implement io.httpsync.connector.auth.CustomSigner",
        "response.transformer, com.acme.tickets.Misfits$NotATransformer, does not implement io.httpsync.connector.endpoint.ResponseTransformer",
        "response.transformer, com.acme.tickets.Misfits$NeedsAnArgument, has no public constructor without arguments",
        "request.signer, com.acme.tickets.UnwrapTicketEnvelope, does not implement io.httpsync.connector.auth.CustomSigner"
    })
    void aClassThatCannotBeUsedIsRefusedWhenTheStatementIsPlanned(
            String option, String className, String why) {
        int servedBefore = api.served() + api.refused();
        TableEnvironment tEnv = tickets(table(o -> o.put(option, className)));

        Throwable error = catchThrowable(() -> tEnv.explainSql("SELECT * FROM tickets"));

        assertThat(error).as("the statement is refused").isNotNull();
        assertThat(ExceptionUtils.stringifyException(error))
                .contains("option '" + option + "'")
                .contains("class '" + className + "'")
                .contains(why)
                .doesNotContain(APP_SECRET);
        assertThat(api.served() + api.refused()).as("requests sent").isEqualTo(servedBefore);
    }
}
