package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitState;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.InternalSourceReaderMetricGroup;
import org.apache.flink.runtime.metrics.groups.InternalSourceSplitMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.util.clock.SystemClock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink 2.2.1 keeps an emptied metric group per finished split (FLINK-40549); the reader releases
 * those of the windows it finished, and only those. The groups are made and finished here as
 * Flink's {@code SourceOperator} does ({@link InternalSourceSplitMetricGroup#wrap}, {@link
 * InternalSourceSplitMetricGroup#onSplitFinished}), on real runtime metric groups.
 */
class FinishedSplitMetricGroupsTest {

    private final OperatorMetricGroup operator =
            UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
    private final SourceReaderMetricGroup readerGroup =
            InternalSourceReaderMetricGroup.wrap(operator);

    /** As SourceOperator does when it is given a split. */
    private InternalSourceSplitMetricGroup given(String splitId) {
        return InternalSourceSplitMetricGroup.wrap(
                operator, SystemClock.getInstance(), splitId, () -> 0L);
    }

    @Test
    void flinkKeepsTheGroupOfEveryFinishedSplitAndReleasingForgetsAndClosesThem() {
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            given("w" + i).onSplitFinished();
            finished.add("w" + i);
        }
        given("running");
        MetricGroup finishedGroup = operator.addGroup("split", "w0");
        MetricGroup runningGroup = operator.addGroup("split", "running");
        assertThat(FinishedSplitMetricGroups.retained(readerGroup))
                .as("what Flink 2.2.1 leaves behind: one group per split ever given")
                .isEqualTo(51);

        FinishedSplitMetricGroups.release(readerGroup, finished);

        assertThat(FinishedSplitMetricGroups.retained(readerGroup)).isEqualTo(1);
        assertThat(((AbstractMetricGroup<?>) finishedGroup).isClosed()).isTrue();
        assertThat(((AbstractMetricGroup<?>) runningGroup).isClosed())
                .as("a split still being read keeps its group and gauges")
                .isFalse();
        assertThat(operator.addGroup("split", "running")).isSameAs(runningGroup);
    }

    @Test
    void theReaderReleasesTheGroupsOfTheWindowsItFinished() throws Exception {
        TestingReaderContext context = new TestingReaderContext(new Configuration(), readerGroup);
        EndpointSpec endpoint =
                EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders("http://localhost:1"));
        try (var reader =
                HttpSyncReaders.create(
                        endpoint,
                        HierarchicalRateLimiter.evenShare(endpoint.rateLimits(), 1),
                        List.of(Tenant.of("a")),
                        RecordDeserializer.raw(),
                        ExceptionPolicy.RECORD_AND_RETRY,
                        SplitsInFlight.fixed(3),
                        false,
                        50,
                        0L,
                        context)) {
            Map<String, WindowSplitState> ended = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                WindowSplit window = WindowSplit.of("a", i * 1_000L, (i + 1) * 1_000L);
                given(window.splitId()).onSplitFinished();
                ended.put(window.splitId(), new WindowSplitState(window));
            }
            assertThat(FinishedSplitMetricGroups.retained(readerGroup)).isEqualTo(20);

            reader.onSplitFinished(ended);

            assertThat(FinishedSplitMetricGroups.retained(readerGroup)).isZero();
        }
    }

    @Test
    void groupsThatAreNotFlinksRuntimeGroupsAreLeftAlone() {
        TestingReaderContext context = new TestingReaderContext();
        FinishedSplitMetricGroups.release(context.metricGroup(), List.of("w0"));
        assertThat(FinishedSplitMetricGroups.retained(context.metricGroup())).isEqualTo(-1);
    }
}
