package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SqlTables;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * DDL the planner accepts or refuses: each wrong option fails the statement with a message naming
 * it, secrets never appear in those messages, and the source's uid comes from the planner. No job
 * runs.
 */
class HttpSyncDynamicTableFactoryTest {
    private static KuaishouSimulatorFixture fixture;
    private static final String SCHEMA =
            "(oid BIGINT, status INT, updateTime BIGINT, tenant STRING METADATA VIRTUAL,"
                    + " PRIMARY KEY (oid) NOT ENFORCED)";

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(10);
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    @Test
    void validDdlPlans() {
        String plan = explain(options(o -> {}));
        assertThat(plan)
                .contains(
                        "TableSourceScan(table=[[default_catalog, default_database, orders, metadata=[tenant]]]");
    }

    @Test
    void unknownOptionIsNamed() {
        assertRefused(
                o -> o.put("scan.strat", "2024-01-01T00:00:00Z"),
                "Unsupported options",
                "scan.strat");
    }

    @Test
    void misspelledPrefixedOptionIsNamed() {
        assertRefused(
                o -> o.put("tenant.shop-2.app-key", "x"),
                "tenant.shop-2.app-key",
                "names no tenant");
    }

    @Test
    void missingUrlIsNamed() {
        assertRefused(o -> o.remove("url"), "option 'url' is required");
    }

    @Test
    void unparsableRecordsPathIsNamed() {
        assertRefused(
                o -> o.put("response.records-path", "$.data.orderList"),
                "response.records-path",
                "not a valid JSON pointer");
    }

    @Test
    void aScanTableWithoutRecordIdOrTimePathIsRefusedNamingTheOption() {
        assertRefused(
                o -> o.remove("response.record.id-path"),
                "option 'response.record.id-path' is required with a scan source");
        assertRefused(
                o -> o.remove("response.record.time-path"),
                "option 'response.record.time-path' is required with a scan source");
    }

    @Test
    void unparsableRecordPointerIsNamed() {
        assertRefused(
                o -> o.put("record.pointer", "orderBaseInfo[0]"),
                "record.pointer",
                "not a valid JSON pointer");
    }

    @Test
    void negativeRateIsNamed() {
        assertRefused(
                o -> o.put("rate-limit.permits-per-second", "-5"), "rate-limit.permits-per-second");
    }

    @Test
    void boundedScanNeedsAnEnd() {
        assertRefused(
                o -> o.remove("scan.end"), "option 'scan.end' is required in 'bounded' scan mode");
    }

    @Test
    void unparsableStartIsNamed() {
        assertRefused(o -> o.put("scan.start", "yesterday"), "option 'scan.start'", "'yesterday'");
    }

    @Test
    void unknownExceptionPolicyIsNamed() {
        assertRefused(
                o -> o.put("scan.exception-policy", "ignore"), "scan.exception-policy", "'ignore'");
    }

    @Test
    void aMissingTenantPolicyIsTakenInItsSpellingAndAnUnknownOneIsNamedWithTheValues() {
        assertRefused(
                o -> o.put("lookup.missing-tenant", "skip"),
                "lookup.missing-tenant",
                "'skip' is not one of fail, no-row");
        Map<String, String> details = SqlTables.kuaishouOrderDetails(fixture, 10);
        details.put("lookup.missing-tenant", "no-row");
        assertThat(explainLookup(details, "d.oid = o.oid")).contains("LookupJoin");
    }

    @Test
    void fullLookupCacheIsRefused() {
        assertRefused(
                o -> o.put("lookup.cache", "FULL"),
                "option 'lookup.cache'",
                "'FULL' is not supported");
    }

    @Test
    void aLookupTableOfSeveralTenantsWithoutATenantColumnIsRefusedNamingTheOption() {
        Map<String, String> details = SqlTables.kuaishouOrderDetails(fixture, 10);
        details.put("tenants", KuaishouSimulatorFixture.SHOP + ";shop-2");
        fixture.tenant().properties().forEach((k, v) -> details.put("tenant.shop-2." + k, v));
        String messages = messages(catchThrowable(() -> explainLookup(details, "d.oid = o.oid")));
        assertThat(messages)
                .contains("lookups need exactly one tenant", "it has 2", "lookup.tenant-column");
    }

    @Test
    void aLookupTenantColumnOutsideTheJoinKeysIsRefusedNamingTheColumn() {
        Map<String, String> details = SqlTables.kuaishouOrderDetails(fixture, 10);
        details.put("lookup.tenant-column", "shop");
        String messages = messages(catchThrowable(() -> explainLookup(details, "d.oid = o.oid")));
        assertThat(messages)
                .contains(
                        "'lookup.tenant-column' names column 'shop'", "not among the join's keys");
        assertThat(explainLookup(details, "d.oid = o.oid AND d.shop = o.tenant"))
                .contains("LookupJoin");
    }

    /** Plans orders joined with the lookup table {@code details} on {@code condition}. */
    private static String explainLookup(Map<String, String> details, String condition) {
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.executeSql(
                "CREATE TABLE orders (oid BIGINT, tenant STRING METADATA VIRTUAL,"
                        + " proc AS PROCTIME()) "
                        + SqlTables.with(options(o -> {})));
        tEnv.executeSql(
                "CREATE TABLE order_details (oid BIGINT, buyerNick STRING, shop STRING) "
                        + SqlTables.with(details));
        return tEnv.explainSql(
                "SELECT o.oid, d.buyerNick FROM orders AS o JOIN order_details FOR SYSTEM_TIME AS"
                        + " OF o.proc AS d ON "
                        + condition);
    }

    @Test
    void tablesWithoutTenantsAreRefused() {
        assertRefused(o -> o.remove("tenants"), "tenants");
    }

    @Test
    void aRefusalListsNoOptionValues() {
        Throwable error = catchRefusal(options(o -> o.remove("url")));
        String messages = messages(error);
        assertThat(messages)
                .contains("option 'url' is required")
                .doesNotContain("Table options are");
        assertThat(messages)
                .doesNotContain(
                        KuaishouSimulatorFixture.SIGN_SECRET,
                        KuaishouSimulatorFixture.APP_SECRET,
                        KuaishouSimulatorFixture.APP_KEY);
    }

    @Test
    void sourceUidComesFromThePlanner() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.getConfig().set("table.exec.uid.generation", "ALWAYS");
        tEnv.executeSql("CREATE TABLE orders " + SCHEMA + " " + SqlTables.with(options(o -> {})));
        tEnv.toDataStream(tEnv.sqlQuery("SELECT * FROM orders")).print();
        StreamNode source =
                env.getStreamGraph().getStreamNodes().stream()
                        .filter(n -> n.getOperatorName().startsWith("Source: HttpSyncSource-"))
                        .findFirst()
                        .orElseThrow();
        assertThat(source.getTransformationUID())
                .as("the planner's uid for the source")
                .matches("\\d+_httpsync");
    }

    @Test
    void theFormatDecodesInsideTheSourceWithNoOperatorBetweenItAndThePlanners() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql("CREATE TABLE orders " + SCHEMA + " " + SqlTables.with(options(o -> {})));
        tEnv.toDataStream(tEnv.sqlQuery("SELECT * FROM orders")).print();
        StreamGraph graph = env.getStreamGraph();
        StreamNode source =
                graph.getStreamNodes().stream()
                        .filter(n -> n.getOperatorName().startsWith("Source: HttpSyncSource-"))
                        .findFirst()
                        .orElseThrow();

        assertThat(source.getTypeSerializerOut().createInstance())
                .as("the source emits rows")
                .isInstanceOf(RowData.class);
        assertThat(source.getOutEdges())
                .singleElement()
                .satisfies(
                        edge ->
                                assertThat(
                                                graph.getStreamNode(edge.getTargetId())
                                                        .getOperatorName())
                                        .startsWith("Calc"));
    }

    private static Map<String, String> options(Consumer<Map<String, String>> change) {
        long now = fixture.sim.clock().now();
        Map<String, String> o =
                new LinkedHashMap<>(SqlTables.kuaishouOrders(fixture, now - 2 * DAY, now - DAY));
        change.accept(o);
        return o;
    }

    private static String explain(Map<String, String> options) {
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.executeSql("CREATE TABLE orders " + SCHEMA + " " + SqlTables.with(options));
        return tEnv.explainSql("SELECT * FROM orders");
    }

    private static Throwable catchRefusal(Map<String, String> options) {
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(() -> explain(options)).satisfies(e -> caught[0] = e);
        return caught[0];
    }

    private static void assertRefused(Consumer<Map<String, String>> change, String... fragments) {
        String messages = messages(catchRefusal(options(change)));
        for (String f : fragments) assertThat(messages).contains(f);
    }

    /** The messages of the exception and its causes: Flink wraps the factory's message. */
    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t.getMessage()).append('\n');
        return sb.toString();
    }
}
