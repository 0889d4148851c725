package io.httpsync.jobs.demo;

import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's first command runs this demo: it must work on a fresh machine and end with the table
 * equal to the platform up to the sync position (a live shop whose orders keep changing, a local
 * Flink, an embedded PostgreSQL).
 */
class DemoITCase {
    /**
     * Flink's metric groups log name collisions here, whatever the log configuration says about the
     * logger.
     */
    @RegisterExtension
    final LoggerAuditingExtension metricWarnings =
            new LoggerAuditingExtension("org.apache.flink.metrics.MetricGroup", Level.WARN);

    @Test
    void demoEndsWithTheTableEqualToThePlatformUpToTheSyncPositionAndLogsNoMetricNameCollision()
            throws Exception {
        assertThat(Demo.run(Map.of("duration-seconds", "15", "shops", "2", "orders", "1500")))
                .isTrue();
        // every sink with a committer logged 'pendingCommittables' again at every checkpoint (see
        // WriterOnlySink)
        assertThat(metricWarnings.getMessages()).noneMatch(m -> m.contains("Name collision"));
    }
}
