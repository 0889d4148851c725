package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistry;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.source.event.TenantsEvent;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The enumerator's side of a {@link TenantRegistry}: it reads the registry every poll interval and
 * turns what changed into planning ({@link WindowLedger#activate}, {@link
 * WindowLedger#deactivate}), tokens ({@link TokenCoordinator#updateTenant}) and what readers are
 * told ({@link TenantsEvent}).
 *
 * <ul>
 *   <li>A tenant listed enabled for the first time is planned from its start time (the source's
 *       start if it has none; no earlier than the platform's look-back allows).
 *   <li>A tenant listed disabled, or no longer listed, is not planned any more: its windows in
 *       flight are read to their end, its position is kept, and it resumes from there when listed
 *       enabled again.
 *   <li>A tenant whose properties changed (new credentials) is sent to every reader with its next
 *       message, and its token at hand is forgotten.
 *   <li>A tenant's property {@value #RATE_PROPERTY} gives its tenant buckets a limit of their own
 *       in the job's budgets ({@link JobBudget#overrideTenantRate}; with the Redis backend the
 *       readers set it on the Redis buckets when the tenant reaches them), and its share of the
 *       turns ({@link TenantWeights}).
 *   <li>A tenant whose authorization the token store found revoked is disabled at once ({@link
 *       #revoked}); the registry keeps it disabled, with the reason, until re-authorized.
 *   <li>A registry that cannot be read leaves the tenants as they were (logged, counted).
 *   <li>Tenants of the source's fixed list are always planned; a registry row with such an id is
 *       ignored.
 * </ul>
 *
 * Metrics under the enumerator's group {@code registry}: {@code tenantsActive}, {@code
 * tenantsAdded}, {@code tenantsRemoved} (disabled or gone, counted since the enumerator started),
 * {@code tenantsWaitingForToken}, {@code pollFailures}.
 *
 * <p><b>Threads.</b> {@link #onPolled}, {@link #sendIfChanged}, {@link #readerStarted} and {@link
 * #revoked}'s handler run on the source coordinator thread; the registry is read on the
 * coordinator's worker thread ({@code callAsync}); gauges read volatile fields on the reporter's
 * thread.
 */
@Internal
public final class RegistryTenants implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryTenants.class);

    /** The tenant property with the tenant's own requests per second (its tenant buckets). */
    public static final String RATE_PROPERTY = TenantWeights.RATE_PROPERTY;

    private final TenantRegistry registry;
    private final TenantRegistrySpec spec;
    private final Set<String> fixedTenants;
    private final boolean perTenantMetrics;

    private SplitEnumeratorContext<WindowSplit> context;
    private SyncPlan plan;
    private WindowLedger ledger;
    @Nullable private TokenCoordinator tokens;
    @Nullable private JobBudget budget;
    private Consumer<TenantProgress> registerTenantMetrics;
    private TenantWeights weights = TenantWeights.equal();

    /** Every tenant the registry listed since start, with its newest properties. */
    private final Map<String, Tenant> directory = new HashMap<>();

    /** When each tenant of {@link #directory} last changed (a counter, not a time). */
    private final Map<String, Long> changedAt = new HashMap<>();

    private long changes;

    /** Per reader, the last change it was told of. */
    private final Map<Integer, Long> toldUpTo = new HashMap<>();

    /** Registry tenants planned now. */
    private final Set<String> enabled = new HashSet<>();

    private final Set<String> warnedFixed = new HashSet<>();

    /** Whether the registry was read since the start (coordinator thread). */
    private boolean read;

    private volatile int active;
    private volatile long added;
    private volatile long removed;
    private volatile long pollFailures;

    public RegistryTenants(
            TenantRegistry registry,
            TenantRegistrySpec spec,
            Set<String> fixedTenants,
            boolean perTenantMetrics) {
        this.registry = registry;
        this.spec = spec;
        this.fixedTenants = Set.copyOf(fixedTenants);
        this.perTenantMetrics = perTenantMetrics;
    }

    /** Coordinator thread: wires the enumerator's parts in (the enumerator makes the ledger). */
    void attach(
            SplitEnumeratorContext<WindowSplit> context,
            SyncPlan plan,
            WindowLedger ledger,
            @Nullable TokenCoordinator tokens,
            @Nullable JobBudget budget,
            Consumer<TenantProgress> registerTenantMetrics) {
        this.context = context;
        this.budget = budget;
        this.plan = plan;
        this.ledger = ledger;
        this.tokens = tokens;
        this.registerTenantMetrics = registerTenantMetrics;
        MetricGroup group = context.metricGroup().addGroup("registry");
        group.gauge("tenantsActive", (Gauge<Integer>) () -> active);
        group.gauge("tenantsAdded", (Gauge<Long>) () -> added);
        group.gauge("tenantsRemoved", (Gauge<Long>) () -> removed);
        group.gauge("pollFailures", (Gauge<Long>) () -> pollFailures);
        group.gauge(
                "tenantsWaitingForToken",
                (Gauge<Integer>) () -> tokens == null ? 0 : tokens.waitingForToken());
    }

    /** Coordinator thread, before {@link #start}: how tenants weigh in the turns. */
    void weights(TenantWeights weights) {
        this.weights = weights;
    }

    /** Coordinator thread: reads the registry now and every poll interval. */
    void start() {
        long interval = spec.pollInterval().toMillis();
        context.callAsync(registry::tenants, this::onPolled, 0, interval);
        LOG.info("Reading tenants from {}", spec);
    }

    /** Coordinator thread: what the registry listed (or why it could not be read). */
    void onPolled(@Nullable List<RegisteredTenant> listed, @Nullable Throwable error) {
        if (error != null) {
            pollFailures++;
            // the registry's messages name the table, never a password or a tenant's secret
            LOG.warn(
                    "Reading the tenant registry failed; the tenants stay as they were until the next poll",
                    error);
            return;
        }
        read = true;
        int addedNow = 0;
        int removedNow = 0;
        int changedNow = 0;
        Set<String> listedIds = new HashSet<>();
        long now = plan.clock().millis();
        for (RegisteredTenant r : listed) {
            String id = r.id();
            if (fixedTenants.contains(id)) {
                if (warnedFixed.add(id))
                    LOG.warn(
                            "Tenant {} is in the source's fixed list and in the registry: the fixed list wins",
                            id);
                continue;
            }
            if (!listedIds.add(id)) continue; // listed twice: the first row wins
            Tenant known = directory.get(id);
            if (known == null || !known.equals(r.tenant())) {
                directory.put(id, r.tenant());
                changedAt.put(id, ++changes);
                if (tokens != null) tokens.updateTenant(r.tenant());
                overrideRate(r.tenant());
                ledger.weigh(id, weights.of(r.tenant()));
                if (known != null) changedNow++;
            }
            if (r.enabled()) {
                if (enabled.add(id)) {
                    TenantProgress progress = ledger.activate(id, startOf(r, now));
                    if (progress != null && perTenantMetrics)
                        registerTenantMetrics.accept(progress);
                    addedNow++;
                }
            } else if (enabled.remove(id)) {
                ledger.deactivate(id);
                removedNow++;
                LOG.info(
                        "Tenant {} is disabled in the registry{}",
                        id,
                        r.disabledReason() == null ? "" : " (" + r.disabledReason() + ")");
            }
        }
        for (String id : new ArrayList<>(enabled)) {
            if (!listedIds.contains(id)) {
                enabled.remove(id);
                ledger.deactivate(id);
                removedNow++;
                LOG.info("Tenant {} is no longer in the registry", id);
            }
        }
        added += addedNow;
        removed += removedNow;
        active = enabled.size();
        if (addedNow + removedNow + changedNow > 0)
            LOG.info(
                    "Tenant registry: {} tenants planned ({} enabled, {} disabled or removed, {} with new properties)",
                    enabled.size(),
                    addedNow,
                    removedNow,
                    changedNow);
    }

    /**
     * The tenant's own limit, property {@value #RATE_PROPERTY}, for the job's budgets (backend
     * {@code job}; with Redis the readers apply it, see {@code HttpSyncReaders}).
     */
    private void overrideRate(Tenant tenant) {
        if (budget == null) return;
        budget.overrideTenantRate(tenant.id(), TenantWeights.ownRate(tenant));
    }

    /**
     * Where a new tenant starts: its own start time or the source's, no earlier than the platform's
     * look-back allows (a registry row must not fail the job).
     */
    private long startOf(RegisteredTenant r, long nowMillis) {
        long start = r.startTime() == null ? plan.startMillis() : r.startTime().toEpochMilli();
        Long lookBack = plan.lookBackMillis();
        if (lookBack != null && start < nowMillis - lookBack) {
            long earliest = nowMillis - lookBack + plan.timeResolutionMillis();
            LOG.warn(
                    "Tenant {} starts before the platform's look-back allows: it is synced from {} instead",
                    r.id(),
                    java.time.Instant.ofEpochMilli(earliest));
            return earliest;
        }
        return start;
    }

    /**
     * Coordinator thread: whether the registry was read since the start. Until then the tenants it
     * lists are not planned yet, but those of a restored state may be again.
     */
    boolean hasBeenRead() {
        return read;
    }

    /**
     * Coordinator thread: tells a reader that spoke the tenants it has not heard of (or not since
     * they changed). Before any window is assigned, so that it knows the tenant of each.
     */
    void sendIfChanged(int reader) {
        long told = toldUpTo.getOrDefault(reader, 0L);
        if (told >= changes || !context.registeredReaders().containsKey(reader)) return;
        List<Tenant> news = new ArrayList<>();
        changedAt.forEach(
                (id, at) -> {
                    if (at > told) news.add(directory.get(id));
                });
        context.sendEventToSourceReader(reader, new TenantsEvent(news));
        toldUpTo.put(reader, changes);
    }

    /** Coordinator thread: a (re)started reader knows no registry tenant. */
    void readerStarted(int reader) {
        toldUpTo.remove(reader);
    }

    /**
     * Any thread (the token store's): a tenant's authorization was revoked; it is disabled at once
     * on the coordinator thread. The registry lists it disabled from now on (the store marked it).
     */
    public void revoked(String tenant, String reason) {
        context.runInCoordinatorThread(
                () -> {
                    if (enabled.remove(tenant)) {
                        ledger.deactivate(tenant);
                        removed++;
                        active = enabled.size();
                        LOG.warn("Tenant {} is disabled: {}", tenant, reason);
                    }
                });
    }

    @Override
    public void close() {
        try {
            registry.close();
        } catch (Exception e) {
            LOG.warn("Closing the tenant registry failed", e);
        }
    }
}
