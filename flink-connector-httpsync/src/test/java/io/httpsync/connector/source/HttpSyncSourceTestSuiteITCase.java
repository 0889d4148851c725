package io.httpsync.connector.source;

import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SourceTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * Flink's own test suite for sources ({@link SourceTestSuiteBase}), run against {@link
 * HttpSyncSource} syncing a simulated Kuaishou app whose shops are the suite's splits (see {@link
 * KuaishouShopsExternalContext}): single and multiple splits, an idle reader, stop with a savepoint
 * and restore at the same, a higher and a lower parallelism, the {@code numRecordsIn} metric, and a
 * TaskManager failover, in bounded and continuous mode as each case asks.
 *
 * <p>Semantics: {@link CheckpointingMode#AT_LEAST_ONCE} only. That is the source's guarantee on its
 * own: a record updated while the sync runs moves to a later window and is read again, and a failed
 * window is read again when it is retried; deduplication by id and update time is the sink's job
 * (e.g. {@code PostgresRecordSink}'s guarded upsert). The suite's at-least-once check still
 * requires every record, in order within each split, and tolerates a duplicate only if it is a
 * record of the same batch.
 */
class HttpSyncSourceTestSuiteITCase extends SourceTestSuiteBase<String> {

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestContext
    ExternalContextFactory<KuaishouShopsExternalContext> kuaishouShops =
            testName -> new KuaishouShopsExternalContext(testName.hashCode());

    @TestSemantics CheckpointingMode[] semantics = {CheckpointingMode.AT_LEAST_ONCE};
}
