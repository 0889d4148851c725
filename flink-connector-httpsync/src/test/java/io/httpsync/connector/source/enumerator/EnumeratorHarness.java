package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.testutils.source.reader.TestingSplitEnumeratorContext;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.runtime.metrics.groups.InternalSplitEnumeratorMetricGroup;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Drives an {@link HttpSyncEnumerator} on Flink's {@link TestingSplitEnumeratorContext}, playing
 * the readers: what they ask, what they report, and what they have received since they last looked.
 */
final class EnumeratorHarness {

    final SyncPlan plan;
    final MetricListener metrics = new MetricListener();
    final TestingSplitEnumeratorContext<WindowSplit> context;
    final HttpSyncEnumerator enumerator;

    private final Map<Integer, Integer> seenAssignments = new HashMap<>();
    private final Map<Integer, Integer> seenEvents = new HashMap<>();

    EnumeratorHarness(SyncPlan plan, int readers) {
        this(plan, readers, (HttpSyncEnumState) null);
    }

    EnumeratorHarness(SyncPlan plan, int readers, @Nullable HttpSyncEnumState restoredState) {
        this(plan, readers, restoredState, context -> null);
    }

    /**
     * @param tokens the enumerator's token coordinator, built on the harness's context (null for
     *     none)
     */
    EnumeratorHarness(
            SyncPlan plan,
            int readers,
            @Nullable HttpSyncEnumState restoredState,
            Function<SplitEnumeratorContext<WindowSplit>, TokenCoordinator> tokens) {
        this(plan, readers, restoredState, null, tokens, null);
    }

    /**
     * @param budget the job's rate-limit budgets the enumerator divides among the readers (null for
     *     none)
     */
    EnumeratorHarness(SyncPlan plan, int readers, @Nullable JobBudget budget) {
        this(plan, readers, null, budget, context -> null, null);
    }

    /** An enumerator that runs full passes by {@code passes}, restored from {@code restored}. */
    static EnumeratorHarness withPasses(
            SyncPlan plan, int readers, @Nullable HttpSyncEnumState restored, PassPlan passes) {
        return new EnumeratorHarness(plan, readers, restored, null, context -> null, passes);
    }

    private EnumeratorHarness(
            SyncPlan plan,
            int readers,
            @Nullable HttpSyncEnumState restoredState,
            @Nullable JobBudget budget,
            Function<SplitEnumeratorContext<WindowSplit>, TokenCoordinator> tokens,
            @Nullable PassPlan passes) {
        this.plan = plan;
        this.context =
                new TestingSplitEnumeratorContext<>(readers) {
                    private final SplitEnumeratorMetricGroup group =
                            new InternalSplitEnumeratorMetricGroup(metrics.getMetricGroup());

                    @Override
                    public SplitEnumeratorMetricGroup metricGroup() {
                        return group;
                    }
                };
        for (int reader = 0; reader < readers; reader++) {
            context.registerReader(reader, "host-" + reader);
        }
        this.enumerator =
                new HttpSyncEnumerator(context, plan, restoredState, budget, tokens.apply(context))
                        .withPasses(passes);
        enumerator.start();
        for (int reader = 0; reader < readers; reader++) {
            enumerator.addReader(reader);
        }
    }

    /** One split request; returns what the reader has been assigned since it last looked. */
    List<WindowSplit> request(int reader) {
        enumerator.handleSplitRequest(reader, "host-" + reader);
        return newAssignments(reader);
    }

    /**
     * Several requests of one reader, as a reader that wants that many splits in flight sends them.
     */
    List<WindowSplit> request(int reader, int times) {
        for (int i = 0; i < times; i++) {
            enumerator.handleSplitRequest(reader, "host-" + reader);
        }
        return newAssignments(reader);
    }

    List<WindowSplit> newAssignments(int reader) {
        TestingSplitEnumeratorContext.SplitAssignmentState<WindowSplit> state =
                context.getSplitAssignments().get(reader);
        if (state == null) {
            return List.of();
        }
        List<WindowSplit> all = state.getAssignedSplits();
        int seen = seenAssignments.getOrDefault(reader, 0);
        seenAssignments.put(reader, all.size());
        return new ArrayList<>(all.subList(seen, all.size()));
    }

    List<SourceEvent> newEvents(int reader) {
        List<SourceEvent> all = context.getSentEvents().getOrDefault(reader, List.of());
        int seen = seenEvents.getOrDefault(reader, 0);
        seenEvents.put(reader, all.size());
        return new ArrayList<>(all.subList(seen, all.size()));
    }

    boolean noMoreSplits(int reader) {
        TestingSplitEnumeratorContext.SplitAssignmentState<WindowSplit> state =
                context.getSplitAssignments().get(reader);
        return state != null && state.hasReceivedNoMoreSplitsSignal();
    }

    void finish(int reader, WindowSplit... splits) {
        List<WindowSplit> finished = new ArrayList<>();
        Arrays.stream(splits).forEach(split -> finished.add(split.asFinished()));
        enumerator.handleSourceEvent(reader, new WindowsEndedEvent(finished));
    }

    void tooLarge(int reader, WindowSplit split, @Nullable Long coveredFromMillis) {
        enumerator.handleSourceEvent(
                reader,
                new WindowsEndedEvent(
                        List.of(
                                split.withOutcome(
                                        WindowOutcome.tooLarge(10_000, coveredFromMillis)))));
    }

    void fail(int reader, WindowSplit split) {
        enumerator.handleSourceEvent(
                reader,
                new WindowsEndedEvent(List.of(split.withOutcome(WindowOutcome.failed(FAILURE)))));
    }

    /** The failure {@link #fail} reports. */
    static final String FAILURE = "HTTP 503 after 5 attempts";

    /**
     * The window as the enumerator hands it out again after {@link #fail} failed it {@code times}
     * in a row.
     */
    static WindowSplit failed(WindowSplit split, int times) {
        return split.withFailureStreak(
                new FailureStreak(WindowFailure.lasting(FAILURE).cause(), times));
    }

    /**
     * Runs the periodic tick (window discovery and failed-window retries) and anything else queued,
     * then lets every registered reader poll, as real readers do every poll interval: the
     * enumerator sends nothing on its own.
     */
    void tick() {
        context.triggerAllActions();
        context.registeredReaders().keySet().stream().sorted().forEach(this::poll);
    }

    /** Runs the periodic tick alone, with no reader polling after it. */
    void tickWithoutPolls() {
        context.triggerAllActions();
    }

    /** One reader's periodic poll. */
    void poll(int reader) {
        enumerator.handleSourceEvent(reader, new ReaderPollEvent());
    }

    HttpSyncEnumState checkpoint(long checkpointId) {
        HttpSyncEnumState state = enumerator.snapshotState(checkpointId);
        enumerator.notifyCheckpointComplete(checkpointId);
        return state;
    }

    /**
     * A gauge value of the enumerator's metrics ({@code InternalSplitEnumeratorMetricGroup} adds
     * "enumerator").
     */
    Object gauge(String... path) {
        return metrics.getGauge(enumeratorPath(path)).orElseThrow().getValue();
    }

    long counter(String... path) {
        return metrics.getCounter(enumeratorPath(path)).orElseThrow().getCount();
    }

    private static String[] enumeratorPath(String... path) {
        String[] full = new String[path.length + 1];
        full[0] = "enumerator";
        System.arraycopy(path, 0, full, 1, path.length);
        return full;
    }

    long position(String tenant) {
        return enumerator.syncPositions().get(tenant);
    }
}
