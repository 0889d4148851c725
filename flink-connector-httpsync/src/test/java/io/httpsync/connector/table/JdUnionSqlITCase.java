package io.httpsync.connector.table;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.jdunion.JdUnionSim;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A JD-Union-style API, whose rows, end flag and own result code live in a JSON document carried as
 * a string ({@code queryResult}), described in SQL DDL alone (as docs/sql.md shows it) and synced
 * against the simulator while its data changes, also between the pages of a window; and an error
 * reported only inside that string ends a bounded statement with the platform's code and message,
 * instead of reading as an empty page.
 */
class JdUnionSqlITCase {
    private static final String APP_KEY = "jd-app-key-1";
    private static final String APP_SECRET = "jd-app-secret-1";
    private static final String TENANT = "promoter-1";
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final DateTimeFormatter GMT8 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One cluster for both statements: starting one costs more than either sync. */
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private final Simulator sim = new Simulator(31);
    private JdUnionSim jd;

    @BeforeEach
    void start() {
        jd = sim.add(JdUnionSim::new);
        jd.addTenant(
                TENANT,
                JdUnionSim.credentials(APP_KEY, APP_SECRET),
                DataSpec.of(1200, 5 * HOUR).seed(5).timeResolutionMillis(1000));
        sim.start(0);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /**
     * The DDL a user writes from docs/sql.md: the preset's options, spelled out, against the
     * simulator.
     */
    private String ddl(long start, long end, String windowWidth) {
        String result = "/jd_union_open_order_row_query_responce/queryResult";
        return "CREATE TABLE jd_order_rows (\n"
                + "  id STRING, orderId BIGINT, modifyTime STRING, validCode INT\n"
                + ") WITH (\n"
                + "  'connector' = 'httpsync',\n"
                + "  'url' = '"
                + sim.baseUrl("jdunion")
                + "/routerjson',\n"
                + "  'request.method' = 'POST',\n"
                + "  'request.body.kind' = 'form',\n"
                + "  'request.param.method' = 'jd.union.open.order.row.query',\n"
                + "  'request.param.app_key' = '${tenant.app-key}',\n"
                + "  'request.param.timestamp' = '${now}',\n"
                + "  'request.param.format' = 'json',\n"
                + "  'request.param.v' = '1.0',\n"
                + "  'request.biz-param.name' = '360buy_param_json',\n"
                + "  'request.biz-param.template' = '{\"orderReq\":{\"startTime\":\"${window.start}\","
                + "\"endTime\":\"${window.end}\",\"pageIndex\":${page},\"pageSize\":${pageSize},\"type\":3}}',\n"
                + "  'auth.signer' = 'top-md5',\n"
                + "  'auth.signer.secret-property' = 'app-secret',\n"
                + "  'time.format' = 'yyyy-MM-dd HH:mm:ss',\n"
                + "  'time.zone' = 'Asia/Shanghai',\n"
                + "  'window.end-inclusive' = 'true',\n"
                + "  'query.time-field' = 'update',\n"
                + "  'sort' = 'desc',\n"
                + "  'window.max-width' = '"
                + windowWidth
                + "',\n"
                + "  'pagination.style' = 'page',\n"
                + "  'pagination.start-page' = '1',\n"
                + "  'pagination.page-size' = '40',\n"
                + "  'pagination.max-page-size' = '200',\n"
                + "  'pagination.max-pages' = '1',\n"
                + "  'response.json-string-paths' = '"
                + result
                + "',\n"
                + "  'response.records-path' = '"
                + result
                + "/data',\n"
                + "  'response.records-may-be-absent' = 'true',\n"
                + "  'response.has-next-path' = '"
                + result
                + "/hasMore',\n"
                + "  'response.error-code-path' = '"
                + result
                + "/code;/jd_union_open_order_row_query_responce/code;/error_response/code',\n"
                + "  'response.error-message-path' = '"
                + result
                + "/message;/error_response/zh_desc;/error_response/en_desc',\n"
                + "  'response.record.id-path' = '/id',\n"
                + "  'response.record.time-path' = '/modifyTime',\n"
                + "  'error.success-codes' = '0;200',\n"
                + "  'error.rate-limited-codes' = '429',\n"
                + "  'retry.rate-limited-wait' = '100 ms',\n"
                // under the simulator's 20 a second: the only refusals are those a test asks for
                + "  'rate-limit.permits-per-second' = '15',\n"
                + "  'tenants' = '"
                + TENANT
                + "',\n"
                + "  'tenant."
                + TENANT
                + ".app-key' = '"
                + APP_KEY
                + "',\n"
                + "  'tenant."
                + TENANT
                + ".app-secret' = '"
                + APP_SECRET
                + "',\n"
                + "  'scan.mode' = 'bounded',\n"
                + "  'scan.start' = '"
                + Instant.ofEpochMilli(start)
                + "',\n"
                + "  'scan.end' = '"
                + Instant.ofEpochMilli(end)
                + "',\n"
                + "  'scan.window.step' = '"
                + windowWidth
                + "',\n"
                + "  'scan.failed-window.max-failures' = '2',\n"
                + "  'scan.failed-window.retry-delay' = '100 ms',\n"
                + "  'format' = 'json'\n"
                + ")";
    }

    @Test
    void theDdlIsThePresetWithASmallerPageAndAFasterRate() {
        String ddl = ddl(0, HOUR, "1 h");
        Map<String, String> preset =
                new HashMap<>(EndpointPresets.jdUnionOrderRows(sim.baseUrl("jdunion")));
        preset.keySet()
                .removeAll(
                        List.of("name", "pagination.page-size", "rate-limit.permits-per-second"));
        assertThat(preset)
                .allSatisfy(
                        (key, value) ->
                                assertThat(ddl).contains("'" + key + "' = '" + value + "'"));
    }

    @Test
    void sqlDdlAloneSyncsRowsInsideAStringDocumentUnderLiveChangesWithNothingMissingOrStale()
            throws Exception {
        long now = sim.clock().now();
        long start = now - 5 * HOUR - 60_000;
        long end = now - 2 * 60_000;
        // live changes: rows updated (moved out of their window) and new ones, in the background
        // and after every page served, which shifts the later pages of the window being read
        jd.mutateContinuously(TENANT, new MutationRates(3, 1, 0));
        jd.mutatePerPage(TENANT, new MutationRates(1, 0, 0));
        // the platform refuses the first calls as over its limit, with its code inside the string
        jd.refuseNext(4);
        long testStart = sim.clock().now();

        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.executeSql(ddl(start, end, "1 h"));
        Map<String, Long> synced = new HashMap<>();
        try (CloseableIterator<Row> rows =
                tEnv.executeSql("SELECT id, modifyTime FROM jd_order_rows").collect()) {
            rows.forEachRemaining(
                    row ->
                            synced.merge(
                                    (String) row.getField(0),
                                    gmt8((String) row.getField(1)),
                                    Math::max));
        }
        jd.mutateContinuously(TENANT, MutationRates.NONE);
        jd.mutatePerPage(TENANT, MutationRates.NONE);

        GroundTruth truth = jd.groundTruth(TENANT);
        List<String> missing = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        int expected = 0;
        for (GroundTruth.TruthRecord r : truth.live()) {
            if (r.updateTime() < start || r.updateTime() >= end) continue;
            expected++;
            Long got = synced.get(r.id());
            if (got == null) missing.add(r.id());
            else if (got != r.updateTime()) stale.add(r.id() + " " + got + " vs " + r.updateTime());
        }
        assertThat(expected).as("rows of the range at the end").isGreaterThan(600);
        assertThat(missing).as("rows of the range missing").isEmpty();
        assertThat(stale).as("rows of the range stale").isEmpty();
        Map<String, GroundTruth.TruthRecord> byId = truth.byId();
        assertThat(synced)
                .as("every other row synced left the range by a later update")
                .allSatisfy(
                        (id, time) -> {
                            long now2 = byId.get(id).updateTime();
                            assertThat(now2 == time || now2 >= end).as(id).isTrue();
                        });
        assertThat(truth.live())
                .as("rows of the range updated while it was synced")
                .anySatisfy(
                        r -> {
                            assertThat(r.updateTime()).isGreaterThanOrEqualTo(testStart);
                            assertThat(synced).containsKey(r.id());
                        });
        List<Accounting.RequestLogEntry> requests = sim.accounting().requests();
        assertThat(requests)
                .as("calls the platform refused with its code inside the string, then retried")
                .filteredOn(e -> e.outcome().equals("error:429"))
                .hasSize(4);
        assertThat(requests)
                .as("windows holding more than a page were read as narrower windows")
                .filteredOn(e -> e.outcome().equals("ok"))
                .hasSizeGreaterThan(5 * 3);
    }

    @Test
    void anErrorOnlyInsideTheStringEndsTheStatementWithTheInnerCodeNotAnEmptyResult() {
        long now = sim.clock().now();
        // two-hour windows: the platform answers each with code 400 inside queryResult
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.getConfig().set("restart-strategy.type", "none");
        // a fixed number in flight: readers sized from the rate would narrow the windows to fill
        // their slots, and the platform would accept them
        tEnv.executeSql(
                ddl(now - 4 * HOUR, now - 2 * 60_000, "2 h")
                        .replace(
                                "'connector' = 'httpsync',",
                                "'connector' = 'httpsync',\n  'scan.splits-in-flight' = '2',"));
        List<Row> rows = new ArrayList<>();
        Throwable error =
                catchThrowable(
                        () -> {
                            try (CloseableIterator<Row> it =
                                    tEnv.executeSql("SELECT id FROM jd_order_rows").collect()) {
                                it.forEachRemaining(rows::add);
                            }
                        });
        assertThat(rows).isEmpty();
        assertThat(error).as("the statement fails rather than ending empty").isNotNull();
        assertThat(ExceptionUtils.stringifyException(error))
                .contains("WindowFailedException")
                .contains("code 400")
                .contains("时间跨度不能超过1小时");
    }

    private static long gmt8(String text) {
        return LocalDateTime.parse(text, GMT8).toInstant(ZoneOffset.ofHours(8)).toEpochMilli();
    }
}
