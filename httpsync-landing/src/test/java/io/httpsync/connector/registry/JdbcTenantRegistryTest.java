package io.httpsync.connector.registry;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.StoredToken;
import io.httpsync.connector.testutil.PostgresExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JDBC registry against a real PostgreSQL: tenants read from the app's table, and the token
 * store's compare-and-set (the only write of the token protocol): a row is seeded once, and a
 * change lands only on the version it was made from.
 */
class JdbcTenantRegistryTest {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private JdbcTenantRegistry registry;

    @BeforeEach
    void create() throws Exception {
        POSTGRES.execute("DROP TABLE IF EXISTS shops");
        POSTGRES.execute("DROP TABLE IF EXISTS shop_tokens");
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("shops", false));
        registry =
                new JdbcTenantRegistry(
                        Map.of(
                                "url", POSTGRES.jdbcUrl(),
                                "username", "postgres",
                                "table", "shops",
                                "token-table", "shop_tokens"));
    }

    @AfterEach
    void close() throws Exception {
        registry.close();
    }

    @Test
    void tenantsAreReadWithTheirPropertiesStartAndState() throws Exception {
        POSTGRES.execute(
                "INSERT INTO shops VALUES ('shop-1', '{\"app-key\":\"k1\",\"refresh-token\":\"r1\",\"n\":7}', TRUE,"
                        + " '2026-01-01T00:00:00Z', NULL),"
                        + " ('shop-2', '{}', FALSE, NULL, 'revoked by the shop')");

        assertThat(registry.tenants())
                .containsExactly(
                        new RegisteredTenant(
                                io.httpsync.connector.auth.Tenant.of(
                                        "shop-1",
                                        Map.of("app-key", "k1", "refresh-token", "r1", "n", "7")),
                                true,
                                Instant.parse("2026-01-01T00:00:00Z"),
                                null),
                        new RegisteredTenant(
                                io.httpsync.connector.auth.Tenant.of("shop-2"),
                                false,
                                null,
                                "revoked by the shop"));
    }

    @Test
    void aRowIsSeededOnceAndChangedOnlyFromTheVersionItWasReadAt() throws Exception {
        StoredToken seed = StoredToken.seed("shop-1", "r1", "fp1");
        assertThat(registry.compareAndSet(seed)).isTrue();
        assertThat(registry.compareAndSet(StoredToken.seed("shop-1", "other", "fp2")))
                .as("a second seed loses")
                .isFalse();

        StoredToken read = registry.read("shop-1").orElseThrow();
        assertThat(read).isEqualTo(seed);
        StoredToken mine = read.claimed("job-a", 5_000);
        StoredToken theirs = read.claimed("job-b", 5_000);
        assertThat(registry.compareAndSet(mine)).isTrue();
        assertThat(registry.compareAndSet(theirs)).as("a claim from a stale read loses").isFalse();

        StoredToken refreshed = mine.refreshed("access-2", 9_000, "r2");
        assertThat(registry.compareAndSet(refreshed)).isTrue();
        assertThat(registry.read("shop-1").orElseThrow())
                .satisfies(
                        r -> {
                            assertThat(r.version()).isEqualTo(2);
                            assertThat(r.accessToken()).isEqualTo("access-2");
                            assertThat(r.refreshToken()).isEqualTo("r2");
                            assertThat(r.claimedBy()).isNull();
                        });
        assertThat(registry.read("shop-2")).isEmpty();
    }

    @Test
    void aRevokedTenantIsMarkedDisabledWithItsReason() throws Exception {
        POSTGRES.execute("INSERT INTO shops VALUES ('shop-1', '{}', TRUE, NULL, NULL)");
        registry.markRevoked("shop-1", "authorization revoked");
        RegisteredTenant shop = registry.tenants().get(0);
        assertThat(shop.enabled()).isFalse();
        assertThat(shop.disabledReason()).isEqualTo("authorization revoked");
    }

    @Test
    void aTableNameThatIsNoIdentifierIsRefusedNamingTheOption() {
        assertThatThrownBy(
                        () ->
                                new JdbcTenantRegistry(
                                        Map.of(
                                                "url",
                                                POSTGRES.jdbcUrl(),
                                                "table",
                                                "x; DROP TABLE y")))
                .hasMessageContaining("tenants.registry.table");
    }
}
