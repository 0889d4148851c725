package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.LogCapture;
import io.httpsync.connector.testutil.SqlTables;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Secrets given literally in a table's options (an {@code Authorization} header, a tenant property
 * named {@code appkey-credential}) and tenant properties in general never appear in any message:
 * not in the refusal of a wrong option (where Flink would list every option of the table), not in a
 * failed job, not in anything httpsync or Flink log meanwhile, at any level from DEBUG up, nor the
 * HTTP client and Netty at any level from TRACE up (which print requests), stack traces included.
 */
class SecretsNeverInMessagesITCase {
    private static final String AUTHORIZATION = "Bearer S3CR3T-AUTHZ-7001";
    private static final String CREDENTIAL = "S3CR3T-CRED-7002";
    private static final String PLAIN_PROPERTY = "PLAIN-PROP-7003";
    private static final String OTHER_TENANTS_SECRET = "S3CR3T-OTHER-7004";

    /** The markers of secret-looking values: never anywhere. */
    private static final List<String> SECRETS =
            List.of(
                    "S3CR3T-AUTHZ-7001",
                    CREDENTIAL,
                    OTHER_TENANTS_SECRET,
                    KuaishouSimulatorFixture.APP_SECRET,
                    KuaishouSimulatorFixture.SIGN_SECRET);

    private static final String SCHEMA =
            "(oid BIGINT, status INT, updateTime BIGINT, tenant STRING METADATA VIRTUAL)";

    private static KuaishouSimulatorFixture fixture;

    @RegisterExtension
    final LogCapture logs = new LogCapture("DEBUG", "io.httpsync", "org.apache.flink");

    /**
     * The HTTP client logs every request's URL and headers at DEBUG, and dumps the bytes it writes
     * at TRACE; the platforms put tokens, signatures and (Kuaishou's token request) the app secret
     * there. httpsync never lets it see them ({@code SecretSafeHttp}), so this captures it at
     * TRACE, as a user debugging a connection would.
     */
    @RegisterExtension
    final LogCapture httpClientLogs = new LogCapture("TRACE", "org.asynchttpclient", "io.netty");

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(20);
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    /** The fixture's table, with a literal Authorization header and two more tenant properties. */
    private static Map<String, String> options(Consumer<Map<String, String>> change) {
        long now = fixture.sim.clock().now();
        Map<String, String> o =
                new LinkedHashMap<>(SqlTables.kuaishouOrders(fixture, now - 2 * DAY, now - DAY));
        o.put("request.header.Authorization", AUTHORIZATION);
        o.put("tenant.shop-1.appkey-credential", CREDENTIAL);
        o.put("tenant.shop-1.shop-note", PLAIN_PROPERTY);
        change.accept(o);
        return o;
    }

    private static String refusal(Map<String, String> options) {
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.executeSql("CREATE TABLE orders " + SCHEMA + " " + SqlTables.with(options));
        Throwable error = catchThrowable(() -> tEnv.explainSql("SELECT * FROM orders"));
        assertThat(error).as("the statement is refused").isNotNull();
        return ExceptionUtils.stringifyException(error);
    }

    @Test
    void refusalsOfWrongOptionsShowNoTenantPropertyAndNoSecret() {
        List<Consumer<Map<String, String>>> wrongs =
                List.of(
                        o -> o.remove("url"),
                        o -> o.put("scan.strat", "2024-01-01T00:00:00Z"),
                        o -> o.put("format", "jsn"),
                        o -> o.put("scan.start", "yesterday"),
                        o -> o.put("rate-limit.permits-per-second", "-5"),
                        o -> o.put("tenant.shop-2.app-secret", OTHER_TENANTS_SECRET),
                        o -> o.put("request.header.Authorization", AUTHORIZATION + " ${tenant."));
        List<String> texts = new ArrayList<>();
        for (Consumer<Map<String, String>> wrong : wrongs) texts.add(refusal(options(wrong)));

        assertThat(texts.get(0)).contains("option 'url' is required");
        assertThat(texts.get(1)).contains("scan.strat");
        assertThat(texts.get(2)).contains("jsn");
        assertThat(texts.get(5)).contains("tenant.shop-2.app-secret");
        List<String> tenantValues = List.of(PLAIN_PROPERTY, KuaishouSimulatorFixture.APP_KEY);
        for (String text : texts) {
            assertThat(text)
                    .doesNotContain("Table options are")
                    .doesNotContain(SECRETS.toArray(String[]::new))
                    .doesNotContain(tenantValues.toArray(String[]::new));
        }
        assertNoSecretLogged(); // planning may log nothing once the planner is warm
    }

    @Test
    void aJobFailingOnThePlatformsRefusalShowsNoSecret() throws Exception {
        Map<String, String> options =
                options(
                        o -> {
                            o.put(
                                    "tenant.shop-1.sign-secret",
                                    "SignSecret-987654321O"); // a typo: the platform refuses the
                            // signature
                            o.put("scan.exception-policy", "fail");
                        });
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.getConfig().set("restart-strategy.type", "none");
        tEnv.executeSql("CREATE TABLE orders " + SCHEMA + " " + SqlTables.with(options));
        Throwable error =
                catchThrowable(
                        () -> {
                            try (CloseableIterator<Row> rows =
                                    tEnv.executeSql("SELECT * FROM orders").collect()) {
                                rows.forEachRemaining(row -> {});
                            }
                        });

        String text = ExceptionUtils.stringifyException(error);
        assertThat(text)
                .contains("code 10")
                .doesNotContain(SECRETS.toArray(String[]::new))
                .doesNotContain("SignSecret-987654321O");
        assertThat(logs.lines()).as("lines logged while the job ran").hasSizeGreaterThan(100);
        assertThat(httpClientLogs.lines())
                .as("the HTTP client's lines about its requests")
                .anySatisfy(
                        line -> assertThat(line).contains("HttpHandler").contains("Request GET /"))
                .anySatisfy(line -> assertThat(line).contains("Using new Channel"));
        assertNoSecretLogged();
    }

    private void assertNoSecretLogged() {
        List<String> lines = new ArrayList<>(logs.lines());
        lines.addAll(httpClientLogs.lines());
        for (String line : lines) {
            assertThat(line)
                    .doesNotContain(SECRETS.toArray(String[]::new))
                    .doesNotContain(PLAIN_PROPERTY)
                    // the access token the platform issued, and the request's signature, are in its
                    // query
                    .doesNotContain("access_token=")
                    .doesNotContain("&sign=")
                    .doesNotContain("?sign=");
        }
    }
}
