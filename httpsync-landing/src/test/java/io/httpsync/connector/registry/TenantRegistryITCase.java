package io.httpsync.connector.registry;

import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.Savepoints;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.connector.testutil.SyncJob;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tenant registry on PostgreSQL ({@link TenantRegistryContract}), and two continuous jobs
 * sharing its token store: they never present a refresh token twice, and a job restored from an old
 * savepoint uses the newest stored token.
 */
class TenantRegistryITCase extends TenantRegistryContract {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @Override
    SqlDatabase db() {
        return POSTGRES;
    }

    @Test
    void twoJobsSharingTheTokenStoreNeverSpendARefreshTokenTwiceAndARestoredJobUsesTheNewest(
            @TempDir Path savepoints) throws Exception {
        register("shop-a", true);
        register("shop-b", true);
        POSTGRES.execute(PostgresRecordSink.createTable("shared_orders_1"));
        POSTGRES.execute(PostgresRecordSink.createTable("shared_orders_2"));
        StreamExecutionEnvironment first = env();
        new SyncJob(first, source(), POSTGRES, "shared_orders_1");
        JobClient one = first.executeAsync("first job");
        StreamExecutionEnvironment second = env();
        SyncJob other = new SyncJob(second, source(), POSTGRES, "shared_orders_2");
        JobClient two = second.executeAsync("second job");
        try {
            await(
                    "both shops have a token",
                    () ->
                            tokenRequests("shop-a").size() == 1
                                    && tokenRequests("shop-b").size() == 1);
            for (int death = 1; death <= 2; death++) {
                Thread.sleep(500); // the jobs use the token for a while
                kuaishou.tokens().expireAll("shop-a");
                kuaishou.tokens().expireAll("shop-b");
                kuaishou.tenant("shop-a").insert();
                int deaths = death;
                await(
                        "both shops refreshed once after death " + death,
                        () ->
                                tokenRequests("shop-a").size() > deaths
                                        && tokenRequests("shop-b").size() > deaths);
            }
            await("the first job is synced", () -> equalsTruth("shared_orders_1", "shop-a"));
            String savepoint = Savepoints.stopWithSavepoint(one, savepoints);

            // the second job goes on and rotates the refresh tokens the savepoint's job knew
            kuaishou.tokens().expireAll("shop-a");
            kuaishou.tokens().expireAll("shop-b");
            kuaishou.tenant("shop-b").insert();
            await("the second job is synced", () -> equalsTruth("shared_orders_2", "shop-b"));
            await(
                    "the second job refreshed both shops",
                    () ->
                            tokenRequests("shop-a").size() == 4
                                    && tokenRequests("shop-b").size() == 4);
            int tokensBeforeRestore = sim.accounting().tokenRequests().size();

            StreamExecutionEnvironment restored = env();
            new SyncJob(restored, source(), POSTGRES, "shared_orders_1");
            StreamGraph graph = restored.getStreamGraph();
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
            JobClient three = restored.executeAsync(graph);
            try {
                await(
                        "the restored job catches up",
                        () ->
                                equalsTruth("shared_orders_1", "shop-a")
                                        && equalsTruth("shared_orders_1", "shop-b"));
            } finally {
                three.cancel().get();
            }
            assertThat(sim.accounting().tokenRequests().size())
                    .as("the restored job used the stored tokens: no token request")
                    .isEqualTo(tokensBeforeRestore);
        } finally {
            two.cancel().get();
        }
        assertThat(failedTokenRequests()).as("refresh tokens presented twice (refused)").isZero();
        for (String shop : List.of("shop-a", "shop-b"))
            assertThat(tokenRequests(shop))
                    .as("one refresh per token death of %s, shared by both jobs", shop)
                    .hasSize(4);
        assertThat(other.events.collected()).isEmpty();
    }
}
