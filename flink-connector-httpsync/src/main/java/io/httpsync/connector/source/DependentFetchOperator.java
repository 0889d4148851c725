package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.tasks.TaskOperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.SerializedValue;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Fetches what a {@link DependentEndpoint} asks for, keyed by tenant and id ({@link
 * ChildRequest#key()}), and remembers in keyed state what it fetched:
 *
 * <ul>
 *   <li>{@code fetched-at}: when the id was last fetched successfully (for {@link
 *       DependentEndpoint#TTL});
 *   <li>{@code failed}: the last fetch failed, so the next parent referring to the id tries again;
 *   <li>{@code parents}: the version of every parent that referred to the id since; a parent seen
 *       with another version (it changed) fetches the id again, a new parent does not.
 * </ul>
 *
 * Requests run asynchronously through one {@link PageFetcher} per parallel instance (the child
 * endpoint's templates, signing, retries and rate limits), at most {@link
 * DependentEndpoint#maxInFlight()} ids at once. With the {@code job} backend, the instances hold
 * parts of the job's rate-limit budget, the one the parents' source divides among its readers,
 * through the operator's coordinator ({@link DependentBudgetCoordinator}): a bucket the source
 * declares as well is one budget for both; with Redis, all share the buckets' keys there. Tenants
 * and tokens are the parents' source's ({@link DependentTenants}): with its token store, the
 * requests use the source's tokens. Freshness ({@link DependentEndpoint#TTL}) is measured in
 * processing time. A listing pages one page after another; a cursor that expires restarts it from
 * its first page, and records it emitted already (by id) are not emitted again. A fetch that fails
 * becomes an {@link ExceptionEvent} on {@link HttpSyncStreams#EXCEPTION_EVENTS} naming the parent,
 * the id and the page.
 *
 * <p>Thread contract: {@link #processElement}, the mails that fetches complete with, and every
 * state access run on the task thread (mailbox); the fetcher's I/O threads only enqueue mails. The
 * budget's reports and allotments never pass through the mailbox (a fetch waiting in the mailbox
 * could otherwise wait for its own allotment forever): {@link DependentBudgetClient} sends and
 * applies them on a thread of its own. No fetch is in flight across a checkpoint: {@link
 * #prepareSnapshotPreBarrier} (and the end of input) waits until every fetch started has completed,
 * so nothing fetched is lost on a restore (an expiring cursor could not be resumed anyway).
 */
@Internal
final class DependentFetchOperator extends AbstractStreamOperator<RawRecord>
        implements OneInputStreamOperator<ChildRequest, RawRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final DependentEndpoint dependent;
    private final DependentTenants.Spec tenantSpec;
    private final transient MailboxExecutor mailbox;

    /**
     * Where budget reports go: the operator's {@link DependentBudgetCoordinator}, unless a test set
     * a channel of its own.
     */
    @Nullable private transient DependentBudgetClient.Channel budgetChannel;

    /** This instance as a holder of the job's budget (job backend), or null. */
    @Nullable private transient DependentBudgetClient budget;

    private transient ValueState<Long> fetchedAt;
    private transient ValueState<Boolean> failed;
    private transient MapState<String, Long> parents;
    private transient DependentTenants tenants;
    private transient PageFetcher fetcher;
    private transient HierarchicalRateLimiter limiter;
    private transient RecordFields fields;
    private transient Set<String> inFlight;
    private transient Counter requests;
    private transient Counter skipped;

    DependentFetchOperator(
            StreamOperatorParameters<RawRecord> parameters,
            DependentEndpoint dependent,
            DependentTenants.Spec tenantSpec) {
        super(parameters);
        this.dependent = dependent;
        this.tenantSpec = tenantSpec;
        this.mailbox = parameters.getMailboxExecutor();
    }

    /** Tests route the budget's reports to a budget of their own (before {@link #open}). */
    @VisibleForTesting
    void setBudgetChannel(DependentBudgetClient.Channel channel) {
        this.budgetChannel = channel;
    }

    /**
     * The channel to the operator's coordinator: coordination requests, whose answers complete off
     * the task thread (see {@link DependentBudgetCoordinator} for why not operator events).
     */
    private DependentBudgetClient.Channel coordinatorChannel() {
        TaskOperatorEventGateway gateway =
                getContainingTask().getEnvironment().getOperatorCoordinatorEventGateway();
        OperatorID id = getOperatorID();
        ClassLoader classLoader = getRuntimeContext().getUserCodeClassLoader();
        return request -> {
            try {
                return gateway.sendRequestToCoordinator(id, new SerializedValue<>(request))
                        .thenApply(
                                answer -> {
                                    try {
                                        return DependentBudgetCoordinator.allotments(
                                                answer, classLoader);
                                    } catch (IOException | ClassNotFoundException e) {
                                        throw new CompletionException(e);
                                    }
                                });
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    @Override
    public void open() throws Exception {
        super.open();
        fetchedAt =
                getRuntimeContext().getState(new ValueStateDescriptor<>("fetched-at", Types.LONG));
        failed = getRuntimeContext().getState(new ValueStateDescriptor<>("failed", Types.BOOLEAN));
        parents =
                getRuntimeContext()
                        .getMapState(new MapStateDescriptor<>("parents", Types.STRING, Types.LONG));
        EndpointSpec endpoint = dependent.endpoint();
        limiter = HierarchicalRateLimiter.forReader(endpoint.rateLimits());
        if (limiter.isAllottedByJob()) {
            budget =
                    new DependentBudgetClient(
                            limiter,
                            budgetChannel != null ? budgetChannel : coordinatorChannel(),
                            getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                            getRuntimeContext().getTaskInfo().getAttemptNumber());
            budget.start();
        }
        tenants =
                DependentTenants.open(
                        tenantSpec, endpoint, getRuntimeContext().getUserCodeClassLoader());
        fetcher = PageFetcher.withActivityLog(endpoint, limiter, tenants.tokens());
        fields = new RecordFields(endpoint);
        inFlight = new HashSet<>();
        requests = getMetricGroup().counter("dependentFetches");
        skipped = getMetricGroup().counter("dependentFetchesSkipped");
    }

    @Override
    public void processElement(StreamRecord<ChildRequest> element) throws Exception {
        ChildRequest r = element.getValue();
        if (r.problem != null) {
            report(r, null, null, r.problem);
            return;
        }
        String key = r.key();
        Long known = parents.get(r.parentId);
        Long at = fetchedAt.value();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        boolean due =
                at == null
                        || Boolean.TRUE.equals(failed.value())
                        || (known != null && known != r.parentVersion)
                        || (dependent.ttl() != null && now - at >= dependent.ttl().toMillis());
        if (known == null || known != r.parentVersion) parents.put(r.parentId, r.parentVersion);
        // a fetch of this id under way answers for this parent as well
        if (!due || inFlight.contains(key)) {
            skipped.inc();
            return;
        }
        DependentTenants.Found found = tenants.tenant(r.tenant);
        if (found.tenant() == null) {
            failed.update(true);
            report(r, null, null, found.problem());
            return;
        }
        while (inFlight.size() >= dependent.maxInFlight()) mailbox.yield();
        inFlight.add(key);
        requests.inc();
        new Fetch(r, requestTenant(found.tenant(), r)).page(fetcher.pagination().first());
    }

    private static Tenant requestTenant(Tenant tenant, ChildRequest r) {
        Map<String, String> properties = new HashMap<>(tenant.properties());
        properties.put(DependentEndpoint.ID_PROPERTY, r.childId);
        properties.put(DependentEndpoint.PARENT_ID_PROPERTY, r.parentId);
        return Tenant.of(tenant.id(), properties);
    }

    /** The pages of one id: one after another, each page's records emitted as it comes in. */
    private final class Fetch {
        final ChildRequest request;
        final Tenant tenant;
        final ChildListing listing;

        Fetch(ChildRequest request, Tenant tenant) {
            this.request = request;
            this.tenant = tenant;
            this.listing =
                    new ChildListing(
                            dependent.endpoint().name() + ": the listing of " + request,
                            fetcher.pagination().first(),
                            dependent.kind() == DependentEndpoint.Kind.LIST,
                            dependent.cursorExpiredCodes(),
                            dependent.maxRestarts());
        }

        /** Task thread: asks for a page; its answer comes back as a mail. */
        void page(PagePosition position) {
            long now = System.currentTimeMillis();
            // a dependent request has no window; the fetcher's window only fills window
            // placeholders, which a child endpoint does not use
            fetcher.fetch(tenant, now - 1, now, position)
                    .whenComplete(
                            (page, error) -> {
                                try {
                                    mailbox.execute(
                                            () -> answered(position, page, error),
                                            "dependent fetch " + request);
                                } catch (RejectedExecutionException closing) {
                                    // the task is closing; close() cancels the rest
                                }
                            });
        }

        /** Task thread. */
        void answered(PagePosition position, @Nullable Page page, @Nullable Throwable error)
                throws Exception {
            setCurrentKey(request.key());
            if (error != null && ChildListing.unwrap(error) instanceof CancellationException) {
                done(false);
                return;
            }
            if (page != null) for (JsonNode record : page.records()) emit(record);
            ChildListing.Step step = listing.after(position, page, error);
            if (step instanceof ChildListing.Next next) {
                page(next.position());
            } else if (step instanceof ChildListing.Failed failed) {
                report(request, position, failed.event(), failed.why());
                done(false);
            } else {
                done(true);
            }
        }

        void emit(JsonNode record) {
            String id =
                    fields.hasId()
                            ? fields.id(record)
                            : dependent.kind() == DependentEndpoint.Kind.DETAIL
                                    ? request.childId
                                    : null;
            if (!listing.isNew(id)) return; // read again after a restart
            long now = System.currentTimeMillis();
            RawRecord out =
                    new RawRecord(
                            new RecordMeta(
                                    request.tenant,
                                    id,
                                    fields.hasTime() ? fields.time(record) : now,
                                    request.windowStart,
                                    request.windowEnd,
                                    now),
                            record.toString());
            output.collect(new StreamRecord<>(out));
        }

        void done(boolean success) throws IOException {
            inFlight.remove(request.key());
            if (success) {
                fetchedAt.update(getProcessingTimeService().getCurrentProcessingTime());
                failed.clear();
            } else {
                failed.update(true);
            }
        }
    }

    /**
     * Reports a failed fetch as an exception event with the parent's context: the platform's answer
     * if there was one ({@code cause}), else {@code why}.
     */
    private void report(
            ChildRequest r,
            @Nullable PagePosition position,
            @Nullable ExceptionEvent cause,
            String why) {
        String message =
                "child "
                        + r.childId
                        + " of parent "
                        + r.parentId
                        + ": "
                        + (cause != null ? cause.message() : why);
        ExceptionEvent e =
                cause == null
                        ? ExceptionEvent.ofWindow(
                                dependent.endpoint().name(),
                                r.tenant,
                                r.windowStart,
                                r.windowEnd,
                                context(r, position),
                                message,
                                System.currentTimeMillis())
                        : new ExceptionEvent(
                                cause.endpoint(),
                                cause.tenantId(),
                                r.windowStart,
                                r.windowEnd,
                                context(r, position),
                                cause.httpStatus(),
                                cause.platformCode(),
                                cause.kind(),
                                cause.attempts(),
                                message,
                                cause.timeMillis());
        output.collect(HttpSyncStreams.EXCEPTION_EVENTS, new StreamRecord<>(e));
    }

    /** The event's position: which parent, which id, which page. */
    private static String context(ChildRequest r, @Nullable PagePosition position) {
        return "parent="
                + r.parentId
                + " id="
                + r.childId
                + (position == null ? "" : " page=" + position.serialize());
    }

    /** Task thread: runs the mails of completed fetches until none is in flight. */
    private void drain() throws InterruptedException {
        while (!inFlight.isEmpty()) mailbox.yield();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        drain();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        drain();
    }

    @Override
    public void finish() throws Exception {
        drain();
        // nothing is fetched any more: what this instance was allotted is free for the others
        if (budget != null) budget.leave();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (budget != null) budget.close();
            if (fetcher != null) fetcher.close();
        } finally {
            try {
                if (limiter != null) limiter.close();
            } finally {
                try {
                    if (tenants != null) tenants.close();
                } finally {
                    super.close();
                }
            }
        }
    }

    /** Creates the operator with the task's mailbox, which brings answers to the task thread. */
    static final class Factory extends AbstractStreamOperatorFactory<RawRecord>
            implements OneInputStreamOperatorFactory<ChildRequest, RawRecord>,
                    CoordinatedOperatorFactory<RawRecord> {
        private static final long serialVersionUID = 1L;
        private final DependentEndpoint dependent;
        private final DependentTenants.Spec tenants;
        private final String budgetId;

        /**
         * @param budgetId the job budget the instances join ({@link HttpSyncSource#budgetId} of the
         *     parents' source, or an id of this endpoint's own)
         * @throws IllegalArgumentException if the endpoint could not share the source's tokens
         *     ({@link DependentTenants#check})
         */
        Factory(DependentEndpoint dependent, DependentTenants.Spec tenants, String budgetId) {
            DependentTenants.check(dependent, tenants);
            this.dependent = dependent;
            this.tenants = tenants;
            this.budgetId = budgetId;
        }

        @Override
        public OperatorCoordinator.Provider getCoordinatorProvider(
                String operatorName, OperatorID operatorID) {
            String budget = budgetId;
            // the provider travels serialized: the endpoint is serializable, its rate limits not
            EndpointSpec endpoint = dependent.endpoint();
            return new CoordinatorProvider(
                    operatorID,
                    context ->
                            new DependentBudgetCoordinator(context, budget, endpoint.rateLimits()));
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends StreamOperator<RawRecord>> T createStreamOperator(
                StreamOperatorParameters<RawRecord> parameters) {
            return (T) new DependentFetchOperator(parameters, dependent, tenants);
        }

        @Override
        @SuppressWarnings("rawtypes")
        public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
            return DependentFetchOperator.class;
        }
    }
}
