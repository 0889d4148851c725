package io.httpsync.connector.registry;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.source.DetailApiCheck;
import io.httpsync.connector.source.FullPasses;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TimeField;

import org.apache.flink.configuration.Configuration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_KEY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_SECRET;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SIGN_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detail check of deletions as a changelog ({@code pass.check.*}) of a source whose tenants
 * come from a tenant registry in PostgreSQL, with the tokens in its token store and Kuaishou's
 * single-use refresh tokens (the simulator refuses one presented twice): the check, built from the
 * same options as a SQL table, asks the detail API for a tenant only the registry knows, with the
 * store's token, and two parallel instances of it share that one token.
 */
class RegistryDetailCheckITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private KuaishouSimulatorFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new KuaishouSimulatorFixture(20);
        fixture.kuaishou.refreshGraceMillis(0);
        for (String table : List.of("chk_shops", "chk_shop_tokens"))
            POSTGRES.execute("DROP TABLE IF EXISTS " + table);
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("chk_shops", false));
        POSTGRES.execute(
                "INSERT INTO chk_shops (tenant_id, properties, enabled) VALUES ('"
                        + SHOP
                        + "', '"
                        + KuaishouRegistrySource.tenantProperties(
                                APP_KEY,
                                APP_SECRET,
                                SIGN_SECRET,
                                fixture.kuaishou.issueRefreshToken(SHOP))
                        + "', TRUE)");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void theCheckAsksForTheRegistrysTenantWithTheStoredTokenSharedByItsInstances()
            throws Exception {
        FullPasses passes =
                HttpSyncSource.<RawRecord>builder()
                        .setConfiguration(Configuration.fromMap(options()))
                        .setDeserializer(RecordDeserializer.raw())
                        .build()
                        .fullPasses();
        List<SimRecord> orders =
                fixture
                        .kuaishou
                        .tenant(SHOP)
                        .query(TimeField.UPDATE, 0, Long.MAX_VALUE, false)
                        .stream()
                        .toList();
        String live = Long.toString(orders.get(0).id());
        String deleted = Long.toString(orders.get(1).id());
        assertThat(fixture.kuaishou.tenant(SHOP).delete(Long.parseLong(deleted))).isTrue();

        try (DetailApiCheck.Session first = passes.check().open(2);
                DetailApiCheck.Session second = passes.check().open(2)) {
            assertThat(first.ask(SHOP, deleted).get(60, TimeUnit.SECONDS).existence())
                    .isEqualTo(DetailApiCheck.Existence.GONE);
            assertThat(second.ask(SHOP, live).get(60, TimeUnit.SECONDS).existence())
                    .isEqualTo(DetailApiCheck.Existence.EXISTS);
            DetailApiCheck.Answer unknown = first.ask("shop-x", live).get(60, TimeUnit.SECONDS);
            assertThat(unknown.existence()).isEqualTo(DetailApiCheck.Existence.UNCLEAR);
            assertThat(unknown.why()).contains("nor in its tenant registry");
        }
        List<Accounting.TokenRequestEntry> tokens = fixture.sim.accounting().tokenRequests();
        assertThat(tokens)
                .as("one refresh, through the store, for both instances")
                .singleElement()
                .satisfies(t -> assertThat(t.outcome()).isEqualTo("ok"));
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM chk_shop_tokens")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the token is the store's").isEqualTo(1);
        }
    }

    /** Orders from the registry's tenants, deletions as a changelog, checked in the detail API. */
    private Map<String, String> options() {
        Map<String, String> o =
                KuaishouRegistrySource.options(
                        fixture.base,
                        POSTGRES,
                        fixture.sim.clock().now() - 7 * DAY,
                        "chk_shops",
                        "chk_shop_tokens");
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 min");
        EndpointPresets.kuaishouOrderDetail(fixture.base)
                .forEach((k, v) -> o.put("pass.check.endpoint." + k, v));
        // the source's token request: the check shares the source's tokens in the store
        EndpointPresets.kuaishouRefreshTokens(fixture.base)
                .forEach((k, v) -> o.put("pass.check.endpoint." + k, v));
        o.put("pass.check.endpoint.retry.initial-backoff", "10 ms");
        o.put("pass.check.endpoint.retry.max-backoff", "50 ms");
        o.put("pass.check.not-found-codes", "2001");
        o.put("pass.check.not-found-message", "订单不存在");
        return o;
    }
}
