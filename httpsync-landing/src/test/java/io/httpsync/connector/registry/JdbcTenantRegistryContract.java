package io.httpsync.connector.registry;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.StoredToken;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the JDBC registry must do on every database it supports, run against a real server per
 * dialect: tenants read from the app's table, and the token store's compare-and-set (the only write
 * of the token protocol): a row is seeded once, a change lands only on the version it was made
 * from, and two stores (two connections, as two jobs have) racing to refresh one tenant never spend
 * a refresh token twice.
 */
abstract class JdbcTenantRegistryContract {
    /** 2026-01-01T00:00:00Z. */
    private static final long NEW_YEAR_SECONDS = 1_767_225_600L;

    /** Threads racing to refresh, half of them on each of two stores. */
    private static final int PARTIES = 4;

    private JdbcTenantRegistry registry;

    abstract SqlDatabase db();

    private boolean mysql() {
        return db().dialect() == SqlDialect.MYSQL;
    }

    @BeforeEach
    void create() throws Exception {
        db().execute("DROP TABLE IF EXISTS shops");
        db().execute("DROP TABLE IF EXISTS shop_tokens");
        db().execute(JdbcTenantRegistry.tenantTableDdl("shops", mysql()));
        registry =
                new JdbcTenantRegistry(
                        KuaishouRegistrySource.registryOptions(db(), "shops", "shop_tokens"));
    }

    @AfterEach
    void close() throws Exception {
        registry.close();
    }

    @Test
    void tenantsAreReadWithTheirPropertiesStartAndState() throws Exception {
        // the start time written as an instant, whatever the session's time zone
        String newYear = (mysql() ? "FROM_UNIXTIME(" : "to_timestamp(") + NEW_YEAR_SECONDS + ".5)";
        db().execute(
                        "INSERT INTO shops VALUES ('shop-1', '{\"app-key\":\"k1\",\"refresh-token\":\"r1\",\"n\":7}', TRUE, "
                                + newYear
                                + ", NULL),"
                                + " ('shop-2', '{}', FALSE, NULL, 'revoked by the shop')");

        assertThat(registry.tenants())
                .containsExactly(
                        new RegisteredTenant(
                                Tenant.of(
                                        "shop-1",
                                        Map.of("app-key", "k1", "refresh-token", "r1", "n", "7")),
                                true,
                                Instant.ofEpochSecond(NEW_YEAR_SECONDS).plusMillis(500),
                                null),
                        new RegisteredTenant(
                                Tenant.of("shop-2"), false, null, "revoked by the shop"));
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
    void twoStoresRacingToRefreshOneTenantSpendEachRefreshTokenOnce() throws Exception {
        int refreshesPerParty = 15;
        Set<String> spent = ConcurrentHashMap.newKeySet();
        List<String> spentTwice = new ArrayList<>();
        AtomicInteger refreshes = new AtomicInteger();
        AtomicInteger lostRaces = new AtomicInteger();
        try (JdbcTenantRegistry other =
                new JdbcTenantRegistry(
                        KuaishouRegistrySource.registryOptions(db(), "shops", "shop_tokens"))) {
            ExecutorService parties = Executors.newFixedThreadPool(PARTIES);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int p = 0; p < PARTIES; p++) {
                    // two threads on each store, as a job's token threads share its store
                    JdbcTenantRegistry store = p % 2 == 0 ? registry : other;
                    String party = "party-" + p;
                    done.add(
                            parties.submit(
                                    () -> {
                                        // each party seeds the row; one seed lands
                                        store.compareAndSet(StoredToken.seed("shop-1", "r0", "fp"));
                                        int mine = 0;
                                        while (mine < refreshesPerParty) {
                                            StoredToken read = store.read("shop-1").orElseThrow();
                                            if (read.claimedBy() != null) continue;
                                            StoredToken claimed =
                                                    read.claimed(party, Long.MAX_VALUE);
                                            if (!store.compareAndSet(claimed)) {
                                                lostRaces.incrementAndGet();
                                                continue;
                                            }
                                            // only the claim's holder presents the token
                                            if (!spent.add(read.refreshToken()))
                                                synchronized (spentTwice) {
                                                    spentTwice.add(read.refreshToken());
                                                }
                                            String next = party + "-" + mine;
                                            assertThat(
                                                            store.compareAndSet(
                                                                    claimed.refreshed(
                                                                            "access-" + next,
                                                                            Long.MAX_VALUE,
                                                                            next)))
                                                    .as("the claim's holder stores its answer")
                                                    .isTrue();
                                            refreshes.incrementAndGet();
                                            mine++;
                                        }
                                        return null;
                                    }));
                }
                for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
            } finally {
                parties.shutdownNow();
            }
        }
        int total = PARTIES * refreshesPerParty;
        assertThat(spentTwice).as("refresh tokens presented twice").isEmpty();
        assertThat(refreshes).hasValue(total);
        assertThat(spent).hasSize(total);
        StoredToken last = registry.read("shop-1").orElseThrow();
        assertThat(last.version()).as("a claim and a refresh per refresh").isEqualTo(2L * total);
        assertThat(spent).doesNotContain(last.refreshToken());
        assertThat(lostRaces.get()).as("the parties did race").isPositive();
    }

    @Test
    void aRevokedTenantIsMarkedDisabledWithItsReason() throws Exception {
        db().execute("INSERT INTO shops VALUES ('shop-1', '{}', TRUE, NULL, NULL)");
        registry.markRevoked("shop-1", "authorization revoked");
        RegisteredTenant shop = registry.tenants().get(0);
        assertThat(shop.enabled()).isFalse();
        assertThat(shop.disabledReason()).isEqualTo("authorization revoked");
    }

    @Test
    void aTableNameThatIsNoIdentifierIsRefusedNamingTheOption() {
        Map<String, String> options =
                KuaishouRegistrySource.registryOptions(db(), "x; DROP TABLE y", "shop_tokens");
        assertThatThrownBy(() -> new JdbcTenantRegistry(options))
                .hasMessageContaining("tenants.registry.table");
    }
}
