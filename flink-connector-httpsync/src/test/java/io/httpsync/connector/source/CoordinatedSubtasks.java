package io.httpsync.connector.source;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.messages.Acknowledge;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import javax.annotation.Nullable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The subtasks of {@link PassChangelog}'s keyed operator on Flink's test harness, wired to one real
 * {@link PassRatioCoordinator}: the events between them either go at once ({@code synchronous}, for
 * tests of one subtask that do not care when the decision comes) or wait in a queue until {@link
 * #deliver()}, as they wait in RPC and mailbox in a job. Records and marker copies go to the
 * subtask that owns their key group. Test thread only.
 */
final class CoordinatedSubtasks implements AutoCloseable {
    static final int MAX_PARALLELISM = 4;

    private final PassChangelog.ChangelogOperator.Factory<String> factory;
    private final double maxDeleteRatio;
    private final int parallelism;
    private final boolean synchronous;
    private final Deque<Runnable> inFlight = new ArrayDeque<>();
    private final List<
                    KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>>
            subtasks = new ArrayList<>();
    private PassRatioCoordinator coordinator;

    CoordinatedSubtasks(FullPasses passes, String tenant, int parallelism, boolean synchronous)
            throws Exception {
        this.factory =
                new PassChangelog.ChangelogOperator.Factory<>(
                        Types.STRING,
                        passes,
                        PassChangelog.Keys.of(r -> tenant, r -> r),
                        (last, passStart, soft) -> (soft ? "soft:" : "del:") + last);
        this.maxDeleteRatio = passes.maxDeleteRatio();
        this.parallelism = parallelism;
        this.synchronous = synchronous;
        start(null);
    }

    /**
     * Sets up every subtask (from {@code restored}, one state per subtask, if given) and a new
     * coordinator, as a job (re)starts; call {@link #open()} next.
     */
    void start(@Nullable List<OperatorSubtaskState> restored) throws Exception {
        closeSubtasks();
        coordinator = new PassRatioCoordinator(maxDeleteRatio);
        coordinator.start();
        for (int i = 0; i < parallelism; i++) {
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h =
                            new KeyedOneInputStreamOperatorTestHarness<>(
                                    factory,
                                    (Tuple2<String, SyncElement<String>> t) -> t.f0,
                                    Types.STRING,
                                    MAX_PARALLELISM,
                                    parallelism,
                                    i);
            h.setup();
            PassChangelog.ChangelogOperator<?> operator =
                    (PassChangelog.ChangelogOperator<?>) h.getOperator();
            int subtask = i;
            operator.setCoordinatorGateway(
                    event -> send(() -> coordinator.handleEventFromOperator(subtask, 0, event)));
            coordinator.executionAttemptReady(
                    i, 0, gateway(i, event -> send(() -> operator.handleOperatorEvent(event))));
            if (restored != null) h.initializeState(restored.get(i));
            subtasks.add(h);
        }
    }

    /**
     * Wires the one subtask of {@code h} (set up, not yet opened) to a coordinator of its own: the
     * decision on a pass comes at once, as the tests of one subtask expect it.
     */
    static void alone(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            FullPasses passes)
            throws Exception {
        PassRatioCoordinator coordinator = new PassRatioCoordinator(passes.maxDeleteRatio());
        PassChangelog.ChangelogOperator<?> operator =
                (PassChangelog.ChangelogOperator<?>) h.getOperator();
        operator.setCoordinatorGateway(event -> coordinator.handleEventFromOperator(0, 0, event));
        coordinator.executionAttemptReady(0, 0, gateway(0, operator::handleOperatorEvent));
    }

    void open() throws Exception {
        for (var h : subtasks) h.open();
    }

    KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, SyncElement<String>>, String>
            subtask(int index) {
        return subtasks.get(index);
    }

    /** The subtask that holds {@code id}'s key. */
    int subtaskOf(String tenant, String id) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                PassChangelog.recordKey(tenant, id), MAX_PARALLELISM, parallelism);
    }

    /** {@code id} of {@code tenant}, last updated at {@code updated}, to the subtask holding it. */
    void record(String tenant, String id, long updated) throws Exception {
        subtasks.get(subtaskOf(tenant, id))
                .processElement(
                        new StreamRecord<>(
                                Tuple2.of(
                                        PassChangelog.recordKey(tenant, id),
                                        SyncElement.record(id)),
                                updated));
    }

    /** Every copy of {@code marker} ({@link PassChangelog.KeyedCopies}), to its key group. */
    void marker(PassMarker marker) throws Exception {
        for (String key : PassChangelog.KeyedCopies.groupKeys(MAX_PARALLELISM)) {
            int subtask =
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            key, MAX_PARALLELISM, parallelism);
            subtasks.get(subtask)
                    .processElement(new StreamRecord<>(Tuple2.of(key, SyncElement.marker(marker))));
        }
    }

    /** Delivers the events in flight, and those they cause, in order. */
    void deliver() {
        while (!inFlight.isEmpty()) inFlight.poll().run();
    }

    List<OperatorSubtaskState> snapshot(long checkpointId) throws Exception {
        List<OperatorSubtaskState> states = new ArrayList<>();
        for (var h : subtasks) states.add(h.snapshot(checkpointId, checkpointId));
        return states;
    }

    /** Every subtask's records and deletions, in the order each subtask emitted them. */
    List<String> outputs() {
        List<String> all = new ArrayList<>();
        for (var h : subtasks) all.addAll(h.extractOutputValues());
        return all;
    }

    /** The messages of every subtask's exception events. */
    List<String> events() {
        List<String> messages = new ArrayList<>();
        for (var h : subtasks) {
            var events = h.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
            if (events != null) events.forEach(e -> messages.add(e.getValue().message()));
        }
        return messages;
    }

    private void send(ThrowingRunnable delivery) {
        Runnable run =
                () -> {
                    try {
                        delivery.run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
        if (synchronous) run.run();
        else inFlight.add(run);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static OperatorCoordinator.SubtaskGateway gateway(
            int subtask, java.util.function.Consumer<OperatorEvent> receiver) {
        return new OperatorCoordinator.SubtaskGateway() {
            @Override
            public CompletableFuture<Acknowledge> sendEvent(OperatorEvent event) {
                receiver.accept(event);
                return CompletableFuture.completedFuture(Acknowledge.get());
            }

            @Override
            public ExecutionAttemptID getExecution() {
                throw new UnsupportedOperationException("not needed by the coordinator");
            }

            @Override
            public int getSubtask() {
                return subtask;
            }
        };
    }

    private void closeSubtasks() throws Exception {
        for (var h : subtasks) h.close();
        subtasks.clear();
        inFlight.clear();
    }

    @Override
    public void close() throws Exception {
        closeSubtasks();
        coordinator.close();
    }
}
