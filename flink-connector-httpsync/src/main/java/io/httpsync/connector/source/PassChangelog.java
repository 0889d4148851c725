package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.enumerator.PassOptions.ChangelogMode;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEventHandler;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Deletions as a changelog: the records of a source that runs full passes ({@link FullPasses}),
 * followed by a deletion for every key of a tenant that a completed pass did not see, so that any
 * upsert sink (JDBC, upsert-kafka, Paimon, ...) applies them.
 *
 * <pre>{@code
 * HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()...
 *         .setContinuous(start, lag, interval).setFullPasses(FullPasses.every(Duration.ofHours(6))).build();
 * DataStream<SyncElement<RawRecord>> elements = env.fromSource(source, source.watermarkStrategy(), "orders");
 * SingleOutputStreamOperator<RawRecord> changes = PassChangelog.apply(elements, Types.POJO(RawRecord.class),
 *         source.fullPasses(), PassChangelog.Keys.of(r -> r.tenant, r -> r.id),
 *         (last, passStart, soft) -> KafkaRecordSink.tombstone(last.tenant, last.id, passStart), "orders");
 * changes.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)...;     // refused passes, failed requests
 * }</pre>
 *
 * <h2>How the keys a pass did not see are found</h2>
 *
 * <p>Every record's key ({@code tenant + key}) has keyed state (any state backend; RocksDB for
 * millions of keys): the start of the pass of its tenant that was running when it last arrived, its
 * newest update time, and its newest version (the row a deletion is made of). The state has a
 * time-to-live longer than the pass interval ({@link FullPasses#stateTtl}): a key that no pass sees
 * again expires.
 *
 * <p>The source's readers emit each pass marker ({@link PassMarker}) once, after every record they
 * emitted before. Before the {@code keyBy}, each marker is copied once per key group, each copy
 * with a key of its key group, so every copy travels on the same channel as the records of that key
 * group from that reader and arrives after them. The keyed operator ({@link ChangelogOperator})
 * thus knows: a {@code STARTED} marker of tenant {@code t} has arrived (any copy) — every record of
 * {@code t} arriving afterwards is stamped as seen during that pass; every copy of a {@code
 * COMPLETED} marker of {@code t} from every reader has arrived for all of its key groups — every
 * record emitted before the pass completed is in its state. Then it visits its keys once ({@code
 * applyToAllKeys}: the keyed state backend iterates its own keys, which scales with parallelism and
 * works with RocksDB), and a key of {@code t} whose newest update time lies in the pass's range and
 * which was not stamped by the pass is gone.
 *
 * <p>This was chosen over a registry of a tenant's keys in the state of one key (the tenant): that
 * puts all of a tenant's keys on one subtask and into one map. Broadcasting the marker (a {@code
 * KeyedBroadcastProcessFunction}) was not chosen because a broadcast input is not ordered with the
 * keyed input: a marker could overtake the records it must follow.
 *
 * <h2>Guards</h2>
 *
 * <ul>
 *   <li>only a {@code COMPLETED} pass deletes: one with a failed window is {@code ABANDONED} by the
 *       enumerator; one running at a checkpoint a job is restored from completes after the restore
 *       only if that checkpoint holds its {@code STARTED} marker here, else the enumerator abandons
 *       it at the restore (see the enumerator's {@code PassScheduler});
 *   <li>a record updated during the pass is not deleted: the enumerator completes a pass only when
 *       the running sync has read everything updated before the pass finished listing, and a key
 *       whose newest update time lies after the pass's range is not judged (with the one exception
 *       below, which the detail check closes);
 *   <li>a tenant whose pass would delete more than {@link FullPasses#maxDeleteRatio()} of its keys
 *       in the range deletes none and emits one {@link ExceptionEvent} to {@link
 *       HttpSyncStreams#EXCEPTION_EVENTS} instead. The ratio is the tenant's, over all subtasks: at
 *       the completion each subtask only counts its share and sends the counts to the operator's
 *       coordinator ({@link PassRatioCoordinator}), which decides once all are in and sends the
 *       decision back; each subtask then takes the keys still unseen at that moment (a version that
 *       arrived meanwhile keeps its key), and subtask 0 alone emits the event of a refusal. A
 *       subtask keeps its counts and the decision it applied in its checkpoint and reports them
 *       again after a restore; a restore with another parallelism drops the passes waiting for
 *       their decision (they delete nothing; the next pass does);
 *   <li>two passes of a tenant never overlap (the enumerator starts the next one after the previous
 *       ended).
 * </ul>
 *
 * A live record updated during the pass twice, once just before the listing reached it and again
 * before the running sync read that version, is seen by nobody before the pass completes; without a
 * check it is deleted and comes back when the running sync reads its newest version.
 *
 * <h2>The detail check ({@link FullPasses#withCheck})</h2>
 *
 * With a check, the keys a completed pass did not see (after the ratio guard) are asked about in
 * the platform's detail API ({@link DetailApiCheck}), and only those it answers do not exist are
 * deleted: a live record is never deleted. The operator asks itself, asynchronously: at most {@link
 * ChangelogOperator#MAX_CHECKS_IN_FLIGHT} requests per instance under way, each answer handed to
 * the task thread through the mailbox, records flowing meanwhile. At the answer the key's state
 * decides: a key read again since (a version arrived while it was asked about) is kept, a key the
 * platform still has keeps its state for the next pass, and an unclear answer deletes nothing and
 * becomes an {@link ExceptionEvent}. A separate asynchronous stage after this operator (Flink's
 * async I/O) was not chosen because it cannot see that state: it would delete keys read again
 * meanwhile, and a key it kept would have lost its state here, so no later pass could delete it.
 * The keys being asked about are in the operator's checkpoint (union state, taken up where each key
 * lives after a restore or rescale) and asked about again after a restore; a checkpoint never waits
 * for answers.
 *
 * <p>Records are passed on as they arrive, except a version not newer than the key's last one (a
 * pass re-lists every record): the operator is also a dedupe. Exception events and tenant positions
 * of the source go to {@link HttpSyncStreams#EXCEPTION_EVENTS} and {@link
 * HttpSyncStreams#TENANT_POSITIONS}.
 */
@PublicEvolving
public final class PassChangelog {
    private PassChangelog() {}

    /** How the operator keys a record: by tenant and the record's key within it. */
    @PublicEvolving
    public interface Keys<T> extends Serializable {
        String tenant(T record);

        String key(T record);

        /**
         * The record's id in the platform's detail API, which a pass's check asks about ({@link
         * FullPasses#withCheck}); by default its {@link #key}.
         */
        default String id(T record) {
            return key(record);
        }

        /** Keys from two functions. */
        static <T> Keys<T> of(SerializableGetter<T> tenant, SerializableGetter<T> key) {
            return new Keys<>() {
                @Override
                public String tenant(T record) {
                    return tenant.get(record);
                }

                @Override
                public String key(T record) {
                    return key.get(record);
                }
            };
        }
    }

    /** A serializable {@code T -> String}. */
    @PublicEvolving
    @FunctionalInterface
    public interface SerializableGetter<T> extends Serializable {
        String get(T record);
    }

    /**
     * What a gone record becomes: {@code last} is its newest version, {@code passStartMillis} the
     * start of the pass that found it gone, {@code soft} whether the changelog mode is {@code
     * soft-delete}.
     */
    @PublicEvolving
    @FunctionalInterface
    public interface Deletion<T> extends Serializable {
        T of(T last, long passStartMillis, boolean soft);
    }

    /**
     * The records of {@code elements} and the deletions the source's completed passes find. The
     * operators' uids are {@code <name>-pass-keys} and {@code <name>-pass-changelog}.
     */
    public static <T> SingleOutputStreamOperator<T> apply(
            DataStream<SyncElement<T>> elements,
            TypeInformation<T> type,
            FullPasses passes,
            Keys<T> keys,
            Deletion<T> deletion,
            String name) {
        int maxParallelism = maxParallelism(elements);
        TupleTypeInfo<Tuple2<String, SyncElement<T>>> keyed =
                new TupleTypeInfo<>(Types.STRING, elements.getType());
        return elements.forward()
                .flatMap(new KeyedCopies<>(keys, maxParallelism), keyed)
                .setParallelism(elements.getParallelism())
                .uid(name + "-pass-keys")
                .name(name + " pass keys")
                .keyBy(t -> t.f0, Types.STRING)
                .transform(
                        name + " pass changelog",
                        type,
                        new ChangelogOperator.Factory<>(type, passes, keys, deletion))
                .uid(name + "-pass-changelog")
                .setMaxParallelism(maxParallelism);
    }

    /** The keyed operator's max parallelism: the job's, or Flink's default for its parallelism. */
    private static int maxParallelism(DataStream<?> elements) {
        int configured = elements.getExecutionEnvironment().getConfig().getMaxParallelism();
        if (configured > 0) return configured;
        return KeyGroupRangeAssignment.computeDefaultMaxParallelism(
                Math.max(1, elements.getExecutionEnvironment().getParallelism()));
    }

    /** The key of a record in the operator's state. */
    static String recordKey(String tenant, String key) {
        return tenant + '\u0000' + key;
    }

    /**
     * Keys the elements: a record by tenant and key, a marker once per key group (with a key of
     * that group), anything else by tenant. Chained to the source (forward), so it keeps each
     * reader's order. Task thread only.
     */
    @Internal
    @VisibleForTesting
    static final class KeyedCopies<T>
            extends RichFlatMapFunction<SyncElement<T>, Tuple2<String, SyncElement<T>>> {
        private static final long serialVersionUID = 1L;

        private final Keys<T> keys;
        private final int maxParallelism;
        private transient String[] groupKeys;

        KeyedCopies(Keys<T> keys, int maxParallelism) {
            this.keys = keys;
            this.maxParallelism = maxParallelism;
        }

        @Override
        public void open(OpenContext openContext) {
            groupKeys = groupKeys(maxParallelism);
        }

        /** One key per key group, each starting with a character no record key starts with. */
        static String[] groupKeys(int maxParallelism) {
            String[] found = new String[maxParallelism];
            int missing = maxParallelism;
            for (long i = 0; missing > 0; i++) {
                String candidate = "\u0001" + i;
                int group = KeyGroupRangeAssignment.assignToKeyGroup(candidate, maxParallelism);
                if (found[group] == null) {
                    found[group] = candidate;
                    missing--;
                }
            }
            return found;
        }

        @Override
        public void flatMap(SyncElement<T> element, Collector<Tuple2<String, SyncElement<T>>> out) {
            if (element.isRecord()) {
                T record = element.record();
                out.collect(Tuple2.of(recordKey(keys.tenant(record), keys.key(record)), element));
            } else if (element.isMarker()) {
                for (String groupKey : groupKeys) out.collect(Tuple2.of(groupKey, element));
            } else {
                String tenant =
                        element.isException()
                                ? element.exception().tenantId()
                                : element.position().tenant();
                out.collect(Tuple2.of("\u0002" + tenant, element));
            }
        }
    }

    /**
     * The keyed operator described on {@link PassChangelog}. Thread contract: everything runs on
     * the task thread (the state backend's key iteration too, and the coordinator's decisions,
     * which Flink delivers through the mailbox); the check's requests complete on the fetcher's I/O
     * threads, which only hand their answers to the task's mailbox.
     */
    @Internal
    @VisibleForTesting
    static final class ChangelogOperator<T> extends AbstractStreamOperator<T>
            implements OneInputStreamOperator<Tuple2<String, SyncElement<T>>, T>,
                    OperatorEventHandler {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(PassChangelog.class);

        /** Detail requests one instance has under way at once; the rate limits pace them too. */
        static final int MAX_CHECKS_IN_FLIGHT = 16;

        private final TypeInformation<T> type;
        private final FullPasses passes;
        private final Keys<T> keys;
        private final Deletion<T> deletion;
        private final transient MailboxExecutor mailbox;

        /** Unseen keys waiting to be asked about, by state key; insertion order. */
        private transient Map<String, Candidate> queued;

        /** Unseen keys asked about, whose answer is not in yet. */
        private transient Map<String, Candidate> asking;

        /** Per tenant and pass: what the check answered so far (for the log). */
        private transient Map<String, Tally> tallies;

        /** The queued and asked candidates at a checkpoint: union state, split by key group. */
        private transient ListState<String> checkState;

        @Nullable private transient DetailApiCheck.Session session;

        /** Per key: (start of the pass it was seen in, newest update time, deleted, newest row). */
        private transient ValueStateDescriptor<Tuple4<Long, Long, Boolean, T>> keyDescriptor;

        private transient ValueState<Tuple4<Long, Long, Boolean, T>> keyState;

        /** Per tenant: the start of the newest pass that started here. */
        private transient Map<String, Long> openPass;

        /** Per tenant and pass start: the copies of its COMPLETED marker that arrived. */
        private transient Map<String, Map<Long, Integer>> completedCopies;

        /** (tenant, open pass, completed pass, copies, subtask, parallelism): union state. */
        private transient ListState<String> passState;

        /** Per tenant: its last completed pass here, counted, with the decision once applied. */
        private transient Map<String, PassRatioCoordinator.Counted> verdicts;

        /** {@link #verdicts}, every subtask's: union state. */
        private transient ListState<String> verdictState;

        /** Where the counts go: the operator's {@link PassRatioCoordinator}. */
        private transient OperatorEventGateway coordinator;

        ChangelogOperator(
                StreamOperatorParameters<T> parameters,
                TypeInformation<T> type,
                FullPasses passes,
                Keys<T> keys,
                Deletion<T> deletion) {
            super(parameters);
            this.type = type;
            this.passes = passes;
            this.keys = keys;
            this.deletion = deletion;
            this.mailbox = parameters.getMailboxExecutor();
            OperatorID id = parameters.getStreamConfig().getOperatorID();
            this.coordinator = parameters.getOperatorEventDispatcher().getOperatorEventGateway(id);
            parameters.getOperatorEventDispatcher().registerEventHandler(id, this);
        }

        /** Tests route the counts to a coordinator of their own. */
        @VisibleForTesting
        void setCoordinatorGateway(OperatorEventGateway coordinator) {
            this.coordinator = coordinator;
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            keyDescriptor =
                    new ValueStateDescriptor<>(
                            "pass-keys",
                            new TupleTypeInfo<>(Types.LONG, Types.LONG, Types.BOOLEAN, type));
            keyDescriptor.enableTimeToLive(
                    StateTtlConfig.newBuilder(passes.stateTtl())
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
            passState =
                    context.getOperatorStateStore()
                            .getUnionListState(
                                    new ListStateDescriptor<>("pass-markers", Types.STRING));
            checkState =
                    context.getOperatorStateStore()
                            .getUnionListState(
                                    new ListStateDescriptor<>("pass-checks", Types.STRING));
            queued = new LinkedHashMap<>();
            asking = new HashMap<>();
            tallies = new HashMap<>();
            KeyGroupRange local = localKeyGroupRange();
            int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
            for (String entry : checkState.get()) {
                Candidate c = Candidate.parse(entry);
                // a candidate is asked about where its key lives now
                if (local.contains(KeyGroupRangeAssignment.assignToKeyGroup(c.key, maxParallelism)))
                    queued.put(c.key, c);
            }
            openPass = new HashMap<>();
            completedCopies = new HashMap<>();
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            for (String entry : passState.get()) {
                String[] f = entry.split("\u0000", -1);
                openPass.merge(f[0], Long.parseLong(f[1]), Math::max);
                // alignment counts are this subtask's own, and only while its key groups stay
                if (!f[2].isEmpty()
                        && Integer.parseInt(f[4]) == subtask
                        && Integer.parseInt(f[5]) == parallelism)
                    completedCopies
                            .computeIfAbsent(f[0], t -> new HashMap<>())
                            .put(Long.parseLong(f[2]), Integer.parseInt(f[3]));
            }
            verdictState =
                    context.getOperatorStateStore()
                            .getUnionListState(
                                    new ListStateDescriptor<>("pass-verdicts", Types.STRING));
            verdicts = new HashMap<>();
            for (String entry : verdictState.get()) {
                PassRatioCoordinator.Counted counted = PassRatioCoordinator.Counted.parse(entry);
                if (counted.parallelism() == parallelism) {
                    // the same key groups again: this subtask's own counts still hold
                    if (counted.subtask() == subtask) verdicts.put(counted.tenant(), counted);
                } else if (counted.applied() == null && counted.subtask() == 0 && subtask == 0) {
                    LOG.warn(
                            "full pass of tenant {} started at {} was waiting for its delete-ratio"
                                    + " decision when the job was rescaled from {} to {} subtasks;"
                                    + " it deletes nothing (the next pass does)",
                            counted.tenant(),
                            counted.passStartMillis(),
                            counted.parallelism(),
                            parallelism);
                }
            }
        }

        @Override
        public void open() throws Exception {
            super.open();
            keyState = getPartitionedState(keyDescriptor);
            // the coordinator keeps nothing: it hears again what it waits for, or decided
            for (PassRatioCoordinator.Counted counted : verdicts.values())
                coordinator.sendEventToCoordinator(counted);
            DetailApiCheck check = passes.check();
            if (check != null) {
                session =
                        check.open(
                                getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
                                getUserCodeClassloader());
                if (!queued.isEmpty())
                    LOG.info(
                            "asking the detail API about {} records that a full pass before the restore did not see",
                            queued.size());
                ask();
            } else if (!queued.isEmpty()) {
                LOG.warn(
                        "{} records that a full pass before the restore did not see were to be asked about,"
                                + " but the job has no check now: they are not deleted (the next pass judges them)",
                        queued.size());
                queued.clear();
            }
        }

        @Override
        public void close() throws Exception {
            try {
                if (session != null) session.close();
            } finally {
                super.close();
            }
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            List<String> entries = new ArrayList<>();
            openPass.forEach(
                    (tenant, pass) -> {
                        Map<Long, Integer> copies = completedCopies.getOrDefault(tenant, Map.of());
                        if (copies.isEmpty())
                            entries.add(String.join("\u0000", tenant, pass + "", "", "", "", ""));
                        copies.forEach(
                                (completed, count) ->
                                        entries.add(
                                                String.join(
                                                        "\u0000",
                                                        tenant,
                                                        pass + "",
                                                        completed + "",
                                                        count + "",
                                                        subtask + "",
                                                        parallelism + "")));
                    });
            passState.update(entries);
            List<String> checks = new ArrayList<>();
            asking.values().forEach(c -> checks.add(c.serialize()));
            queued.values().forEach(c -> checks.add(c.serialize()));
            checkState.update(checks);
            List<String> counted = new ArrayList<>();
            for (PassRatioCoordinator.Counted c : verdicts.values()) counted.add(c.serialize());
            verdictState.update(counted);
        }

        @Override
        public void processElement(StreamRecord<Tuple2<String, SyncElement<T>>> element)
                throws Exception {
            SyncElement<T> e = element.getValue().f1;
            if (e.isRecord()) {
                record(element.getValue().f0, e.record(), element);
            } else if (e.isMarker()) {
                marker(e.marker());
            } else if (e.isException()) {
                output.collect(HttpSyncStreams.EXCEPTION_EVENTS, new StreamRecord<>(e.exception()));
            } else {
                output.collect(HttpSyncStreams.TENANT_POSITIONS, new StreamRecord<>(e.position()));
            }
        }

        private void record(String key, T record, StreamRecord<?> element) throws Exception {
            long updated = element.hasTimestamp() ? element.getTimestamp() : Long.MIN_VALUE;
            String tenant = key.substring(0, key.indexOf('\u0000'));
            long seen = openPass.getOrDefault(tenant, Long.MIN_VALUE);
            Tuple4<Long, Long, Boolean, T> last = keyState.value();
            boolean newer = last == null || last.f2 || updated > last.f1;
            if (newer) {
                keyState.update(Tuple4.of(seen, updated, false, record));
                output.collect(new StreamRecord<>(record, updated));
            } else {
                // the same (or an older) version again, e.g. listed by a pass: seen, not emitted
                keyState.update(Tuple4.of(seen, last.f1, false, last.f3));
            }
        }

        private void marker(PassMarker marker) throws Exception {
            String tenant = marker.tenant();
            switch (marker.kind()) {
                case STARTED -> {
                    if (marker.passStartMillis() > openPass.getOrDefault(tenant, Long.MIN_VALUE)) {
                        openPass.put(tenant, marker.passStartMillis());
                        // an older pass that never completed here never will
                        completedCopies.remove(tenant);
                    }
                }
                case ABANDONED -> {
                    Map<Long, Integer> copies = completedCopies.get(tenant);
                    if (copies != null) copies.remove(marker.passStartMillis());
                }
                case COMPLETED -> {
                    if (marker.passStartMillis() != openPass.getOrDefault(tenant, Long.MIN_VALUE))
                        return; // not the pass that runs here (this subtask restored without it)
                    int copies =
                            completedCopies
                                    .computeIfAbsent(tenant, t -> new HashMap<>())
                                    .merge(marker.passStartMillis(), 1, Integer::sum);
                    if (copies == marker.readers() * localKeyGroups()) {
                        completedCopies.get(tenant).remove(marker.passStartMillis());
                        completed(marker);
                    }
                }
            }
        }

        private int localKeyGroups() {
            return localKeyGroupRange().getNumberOfKeyGroups();
        }

        private KeyGroupRange localKeyGroupRange() {
            return KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                    getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks(),
                    getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        }

        /**
         * Every record before the marker is in: counts the tenant's keys the pass did not see and
         * sends the counts to the coordinator, which decides for the whole tenant ({@link
         * #handleOperatorEvent}).
         */
        private void completed(PassMarker pass) throws Exception {
            long[] judged = {0};
            int gone =
                    unseen(
                                    pass.tenant(),
                                    pass.passStartMillis(),
                                    pass.rangeStartMillis(),
                                    pass.rangeEndMillis(),
                                    judged)
                            .size();
            PassRatioCoordinator.Counted counted =
                    new PassRatioCoordinator.Counted(
                            pass.tenant(),
                            pass.passStartMillis(),
                            pass.rangeStartMillis(),
                            pass.rangeEndMillis(),
                            gone,
                            judged[0],
                            null,
                            getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                            getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
            verdicts.put(pass.tenant(), counted);
            coordinator.sendEventToCoordinator(counted);
        }

        /**
         * The keys of {@code tenant} updated last in {@code [rangeStart, rangeEnd)} that no pass
         * since {@code passStart} saw; {@code judged[0]} counts the keys of the range.
         */
        private List<String> unseen(
                String tenant, long passStart, long rangeStart, long rangeEnd, long[] judged)
                throws Exception {
            String prefix = tenant + '\u0000';
            List<String> gone = new ArrayList<>();
            this.<String>getKeyedStateBackend()
                    .applyToAllKeys(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            keyDescriptor,
                            (key, state) -> {
                                if (!key.startsWith(prefix)) return;
                                Tuple4<Long, Long, Boolean, T> entry = state.value();
                                if (entry == null
                                        || entry.f2
                                        || entry.f1 < rangeStart
                                        || entry.f1 >= rangeEnd) return;
                                judged[0]++;
                                if (entry.f0 < passStart) gone.add(key);
                            });
            return gone;
        }

        /**
         * The coordinator's decision on a tenant's pass, through the mailbox: a decision on another
         * pass than the one waiting here, or one applied already, changes nothing.
         */
        @Override
        public void handleOperatorEvent(OperatorEvent event) {
            PassRatioCoordinator.Decided decision = (PassRatioCoordinator.Decided) event;
            PassRatioCoordinator.Counted waiting = verdicts.get(decision.tenant());
            if (waiting == null
                    || waiting.passStartMillis() != decision.passStartMillis()
                    || waiting.applied() != null) return;
            verdicts.put(decision.tenant(), waiting.decided(decision.delete()));
            try {
                decided(waiting, decision);
            } catch (Exception e) {
                throw new IllegalStateException(
                        "applying the decision on the full pass of tenant "
                                + decision.tenant()
                                + " started at "
                                + decision.passStartMillis(),
                        e);
            }
        }

        /**
         * Refuses the tenant's pass (subtask 0 emits its one exception event), or deletes the keys
         * still unseen now (a version that arrived since the counting keeps its key), after the
         * detail check if the passes have one. Subtask 0 logs the tenant's totals.
         */
        private void decided(
                PassRatioCoordinator.Counted pass, PassRatioCoordinator.Decided decision)
                throws Exception {
            boolean first = pass.subtask() == 0;
            if (!decision.delete()) {
                if (first) refuse(pass, decision);
                return;
            }
            List<String> gone =
                    unseen(
                            pass.tenant(),
                            pass.passStartMillis(),
                            pass.rangeStartMillis(),
                            pass.rangeEndMillis(),
                            new long[1]);
            if (session == null) {
                for (String key : gone) {
                    setCurrentKey(key);
                    delete(keyState.value(), pass.passStartMillis());
                }
                if (first)
                    LOG.info(
                            "full pass of tenant {} started at {} completed: {} of {} records in its range gone",
                            pass.tenant(),
                            pass.passStartMillis(),
                            decision.gone(),
                            decision.judged());
                return;
            }
            if (first)
                LOG.info(
                        "full pass of tenant {} started at {} completed: {} of {} records in its range unseen;"
                                + " asking the detail API whether they are gone",
                        pass.tenant(),
                        pass.passStartMillis(),
                        decision.gone(),
                        decision.judged());
            int added = 0;
            for (String key : gone) {
                // a key still asked about for an earlier pass is answered once, for that pass
                if (queued.containsKey(key) || asking.containsKey(key)) continue;
                queued.put(
                        key,
                        new Candidate(
                                key,
                                pass.passStartMillis(),
                                pass.rangeStartMillis(),
                                pass.rangeEndMillis()));
                added++;
            }
            if (added > 0)
                tallies.put(tallyKey(pass.tenant(), pass.passStartMillis()), new Tally(added));
            ask();
        }

        /** One exception event for the tenant's refused pass (subtask 0 only). */
        private void refuse(
                PassRatioCoordinator.Counted pass, PassRatioCoordinator.Decided decision) {
            String message = PassRatioCoordinator.refusal(pass, decision, passes.maxDeleteRatio());
            LOG.warn("{}", message);
            output.collect(
                    HttpSyncStreams.EXCEPTION_EVENTS,
                    new StreamRecord<>(
                            ExceptionEvent.ofWindow(
                                    "pass-changelog",
                                    pass.tenant(),
                                    pass.rangeStartMillis(),
                                    pass.rangeEndMillis(),
                                    "pass " + pass.passStartMillis(),
                                    message,
                                    System.currentTimeMillis())));
        }

        /** How many unseen keys wait to be asked about or for their answer. */
        @VisibleForTesting
        int checksPending() {
            return queued.size() + asking.size();
        }

        /** Emits the deletion of the current key, whose state is {@code entry}. */
        private void delete(Tuple4<Long, Long, Boolean, T> entry, long passStartMillis)
                throws Exception {
            boolean soft = passes.mode() == ChangelogMode.SOFT_DELETE;
            output.collect(
                    new StreamRecord<>(
                            deletion.of(entry.f3, passStartMillis, soft), passStartMillis));
            if (soft) keyState.update(Tuple4.of(entry.f0, entry.f1, true, entry.f3));
            else keyState.clear();
        }

        /**
         * Task thread: asks about queued candidates while fewer than {@link #MAX_CHECKS_IN_FLIGHT}
         * are under way; each answer comes back as a mail.
         */
        private void ask() throws Exception {
            while (asking.size() < MAX_CHECKS_IN_FLIGHT && !queued.isEmpty()) {
                Candidate c = queued.remove(queued.keySet().iterator().next());
                setCurrentKey(c.key);
                Tuple4<Long, Long, Boolean, T> entry = keyState.value();
                if (entry == null || entry.f2 || entry.f0 >= c.passStartMillis) {
                    counted(c, t -> t.readAgain++); // read again (or gone) since: nothing to ask
                    continue;
                }
                asking.put(c.key, c);
                session.ask(c.tenant(), keys.id(entry.f3))
                        .whenComplete(
                                (answer, error) -> {
                                    try {
                                        mailbox.execute(
                                                () -> answered(c, answerOf(answer, error)),
                                                "full pass check " + c.key);
                                    } catch (RejectedExecutionException closing) {
                                        // the task is closing: the candidate is in the checkpoint
                                    }
                                });
            }
        }

        private static DetailApiCheck.Answer answerOf(
                @Nullable DetailApiCheck.Answer answer, @Nullable Throwable error) {
            if (answer != null) return answer;
            return new DetailApiCheck.Answer(
                    "?", DetailApiCheck.Existence.UNCLEAR, String.valueOf(error), null);
        }

        /**
         * Task thread: the platform's answer about {@code c}. Deletes only a record the platform
         * answered is gone and for which no version arrived since the pass completed.
         */
        private void answered(Candidate c, DetailApiCheck.Answer answer) throws Exception {
            if (asking.remove(c.key) == null) return;
            setCurrentKey(c.key);
            Tuple4<Long, Long, Boolean, T> entry = keyState.value();
            if (entry == null || entry.f2 || entry.f0 >= c.passStartMillis) {
                counted(c, t -> t.readAgain++);
            } else if (answer.existence() == DetailApiCheck.Existence.GONE) {
                delete(entry, c.passStartMillis);
                counted(c, t -> t.deleted++);
            } else if (answer.existence() == DetailApiCheck.Existence.EXISTS) {
                counted(c, t -> t.live++);
            } else {
                unclear(c, answer);
                counted(c, t -> t.unclear++);
            }
            ask();
        }

        /** Counts what became of {@code c}; logs the pass's check once all is counted. */
        private void counted(Candidate c, Consumer<Tally> outcome) {
            String key = tallyKey(c.tenant(), c.passStartMillis);
            Tally tally = tallies.get(key);
            if (tally == null) return; // a pass from before a restore: its counts are lost
            outcome.accept(tally);
            if (!tally.done()) return;
            tallies.remove(key);
            LOG.info(
                    "full pass of tenant {} started at {}: the detail API answered about its {} unseen"
                            + " records: {} gone (deleted), {} still exist, {} unclear (kept); {} read"
                            + " again meanwhile (kept)",
                    c.tenant(),
                    c.passStartMillis,
                    tally.candidates,
                    tally.deleted,
                    tally.live,
                    tally.unclear,
                    tally.readAgain);
        }

        /** An unclear answer deletes nothing and is reported as an exception event. */
        private void unclear(Candidate c, DetailApiCheck.Answer answer) {
            String message =
                    "full pass started at "
                            + c.passStartMillis
                            + ": the detail API did not say whether record "
                            + c.key.substring(c.key.indexOf('\u0000') + 1)
                            + " exists ("
                            + answer.why()
                            + "); not deleted";
            LOG.warn("tenant {}: {}", c.tenant(), message);
            ExceptionEvent cause = answer.event();
            String position = "pass " + c.passStartMillis + " check";
            output.collect(
                    HttpSyncStreams.EXCEPTION_EVENTS,
                    new StreamRecord<>(
                            cause == null
                                    ? ExceptionEvent.ofWindow(
                                            passes.check().endpoint().name(),
                                            c.tenant(),
                                            c.rangeStartMillis,
                                            c.rangeEndMillis,
                                            position,
                                            message,
                                            System.currentTimeMillis())
                                    : new ExceptionEvent(
                                            cause.endpoint(),
                                            c.tenant(),
                                            c.rangeStartMillis,
                                            c.rangeEndMillis,
                                            position,
                                            cause.httpStatus(),
                                            cause.platformCode(),
                                            cause.kind(),
                                            cause.attempts(),
                                            message,
                                            cause.timeMillis())));
        }

        private static String tallyKey(String tenant, long passStartMillis) {
            return tenant + '\u0000' + passStartMillis;
        }

        /** What the check answered about one pass's candidates. Task thread only. */
        private static final class Tally {
            final int candidates;
            int deleted;
            int live;
            int unclear;
            int readAgain;

            Tally(int candidates) {
                this.candidates = candidates;
            }

            boolean done() {
                return deleted + live + unclear + readAgain >= candidates;
            }
        }

        /** A key a completed pass did not see, to be asked about. Immutable. */
        private record Candidate(
                String key, long passStartMillis, long rangeStartMillis, long rangeEndMillis) {
            String tenant() {
                return key.substring(0, key.indexOf('\u0000'));
            }

            String serialize() {
                return passStartMillis + "," + rangeStartMillis + "," + rangeEndMillis + "," + key;
            }

            static Candidate parse(String entry) {
                String[] f = entry.split(",", 4);
                return new Candidate(
                        f[3], Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
            }
        }

        /**
         * Creates the operator with the task's mailbox, which brings the check's answers and the
         * coordinator's decisions in, and its coordinator ({@link PassRatioCoordinator}).
         */
        static final class Factory<T> extends AbstractStreamOperatorFactory<T>
                implements OneInputStreamOperatorFactory<Tuple2<String, SyncElement<T>>, T>,
                        CoordinatedOperatorFactory<T> {
            private static final long serialVersionUID = 1L;
            private final TypeInformation<T> type;
            private final FullPasses passes;
            private final Keys<T> keys;
            private final Deletion<T> deletion;

            Factory(
                    TypeInformation<T> type,
                    FullPasses passes,
                    Keys<T> keys,
                    Deletion<T> deletion) {
                this.type = type;
                this.passes = passes;
                this.keys = keys;
                this.deletion = deletion;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <O extends StreamOperator<T>> O createStreamOperator(
                    StreamOperatorParameters<T> parameters) {
                return (O) new ChangelogOperator<>(parameters, type, passes, keys, deletion);
            }

            @Override
            public OperatorCoordinator.Provider getCoordinatorProvider(
                    String operatorName, OperatorID operatorID) {
                double maxDeleteRatio = passes.maxDeleteRatio();
                return new CoordinatorProvider(
                        operatorID, context -> new PassRatioCoordinator(maxDeleteRatio));
            }

            @Override
            @SuppressWarnings("rawtypes")
            public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
                return ChangelogOperator.class;
            }
        }
    }
}
