package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * One job's budgets, divided among its readers: held by the source's enumerator (backend {@code
 * job}), so that every bucket is one budget across all readers on all TaskManagers without any
 * store outside the job.
 *
 * <p><b>The division.</b> Each reader reports, per bucket key, its demand (requests covered by the
 * key asked for and not over) and the allotment it has applied ({@link BudgetReport}). The readers
 * with demand share the key: each gets a burst of at least one request's weight plus a part of the
 * rest of the bucket's burst, and a part of the rate in proportion to its demand. With {@code k}
 * holders the bursts add up to {@code B = max(burst, k * weight)}, and the rates to {@code (permits
 * + 1 - B) * utilization / period}, the rate of one bucket of burst {@code B} (see {@link
 * BucketSpec#safeRatePerSecond}): in any window of one period the readers together send at most
 * what one such bucket would, whatever their phases. A reader without demand gets nothing, so an
 * idle reader's part goes to busy ones.
 *
 * <p><b>Changing a division safely.</b> A reader applies a new allotment only when it hears of it,
 * so for a while it may still run at its earlier one, or at any allotment still on its way to it.
 * Allotments therefore go out numbered ({@link Allotments#sequence()}), readers report the number
 * of the last they applied, and the budget reserves, per reader, the larger of what it has applied
 * and every allotment sent to it after that one; a reader's allotment grows only into what the
 * others' reservations leave. So a part moves from one reader to another only after the first
 * confirmed giving it back. In cost units (a burst counts its permits, a rate {@code r} counts
 * {@code r * period / utilization}), the reservations of a key never exceed {@code permits + 1}.
 * Small increases (under {@value #HYSTERESIS_PERCENT} %) are not passed on, so that noisy demand
 * does not churn allotments; decreases always are.
 *
 * <p><b>Adaptive buckets.</b> The adapted rate of an adaptive bucket's key lives here, one {@link
 * AdaptiveRate} per key for the whole job: readers report the rate-limited answers they saw per key
 * ({@link BudgetReport#refused()}), a refusal seen by any reader cuts the key's rate, and every
 * reader's part is scaled by it. So all readers of the job, on every TaskManager, slow down
 * together and probe back up together, as one client would; a per-reader rate would let the readers
 * that saw no refusal keep overrunning the platform. The state outlives the key's idle spells (a
 * key is forgotten when nobody uses it, its adapted rate is not), but not the job: a restored job
 * starts at the configured rate again.
 *
 * <p><b>Who shares it.</b> The holders are the source's readers ({@link #READERS}) and the parallel
 * instances of the dependent endpoints driven by the source's records ({@code
 * HttpSyncStreams.dependent}), each instance a holder of its operator's group ({@link Holder}).
 * Each joins with its endpoint's {@link RateLimitSpec} ({@link #join}): a bucket key declared by
 * several of them (the same namespace, name, definition and scope key, e.g. an app-wide bucket) is
 * one budget for all their holders, and a key only one of them declares is divided among that one's
 * holders alone. Where two specs declare one key, the first spec that joined decides its
 * utilization and adaptive settings.
 *
 * <p><b>How the holders find one budget.</b> The source's enumerator and a dependent endpoint's
 * operator coordinator are different coordinators of one job, in one JobManager JVM, and Flink
 * gives a source's enumerator neither the job's id nor its coordinator store. So budgets live in a
 * registry of this class ({@link #join(ClassLoader, String, RateLimitSpec, String)}) keyed by the
 * job's user-code class loader (one per job in a JobManager, the context class loader of every
 * coordinator thread of the job) and a budget id carried by the source into the job graph (a random
 * id per source object): the same source's enumerator and children meet, another job or another
 * source never does. Entries are reference-counted ({@link JvmShared}): the last {@link Membership}
 * closed (enumerator and coordinators close them when they close) removes the budget, so nothing of
 * a finished job stays.
 *
 * <p>The source's enumerator joins as {@link #READERS} (its readers poll with source events); a
 * dependent endpoint's coordinator joins as its operator's group, and its instances report through
 * coordination requests, whose answers reach the instance off its mailbox ({@code
 * DependentBudgetCoordinator}).
 *
 * <p>Thread-safe: the public methods are synchronized, since the source's coordinator thread and
 * the job master's thread (a dependent endpoint's coordinator) call them; each call is short and
 * does no I/O.
 */
@Internal
public final class JobBudget {
    static final int HYSTERESIS_PERCENT = 10;
    private static final double EPSILON = 1e-9;

    /** The group of the source's readers. */
    public static final String READERS = "readers";

    /** The budgets of the running jobs of this JVM, by job class loader and budget id. */
    private static final JvmShared<RegistryKey, JobBudget> REGISTRY =
            new JvmShared<>(key -> new JobBudget(), budget -> {});

    /** The specs of the holders' endpoints, in the order they joined. */
    private final List<RateLimitSpec> specs = new ArrayList<>();

    /** Per bucket key, per holder: its part of the key. Keys and holders appear as they report. */
    private final Map<String, Map<Holder, Share>> byKey = new TreeMap<>();

    /** What each holder was last sent. */
    private final Map<Holder, Allotments> sent = new HashMap<>();

    /** Tenants with a limit of their own, for the specs that join later. */
    private final Map<String, Double> tenantRates = new HashMap<>();

    private long nextSequence = 1;

    private final LongSupplier clock;

    /** Per key of an adaptive bucket: the job's adapted rate. */
    private final Map<String, AdaptiveRate> adaptiveByKey = new HashMap<>();

    /**
     * Per bucket key of a tenant with a limit of its own (a tenant registry's override): the bucket
     * with the tenant's permits.
     */
    private final Map<String, BucketSpec> overridden = new HashMap<>();

    /** Allotments of one reader, numbered in the order they are sent. */
    public record Allotments(long sequence, Map<String, Allotment> byKey)
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        public static final Allotments NONE = new Allotments(0, Map.of());

        public Allotments {
            byKey = Map.copyOf(byKey);
        }
    }

    /**
     * One holder of a budget: subtask {@code subtask} of the group {@code group} (the source's
     * readers, {@link #READERS}, or one dependent endpoint's operator).
     */
    public record Holder(String group, int subtask) implements Comparable<Holder> {
        private static final Comparator<Holder> ORDER =
                Comparator.comparing(Holder::group).thenComparingInt(Holder::subtask);

        /** Reader {@code subtask} of the source. */
        public static Holder reader(int subtask) {
            return new Holder(READERS, subtask);
        }

        @Override
        public int compareTo(Holder other) {
            return ORDER.compare(this, other);
        }
    }

    /**
     * A holder group's part in a registered budget ({@link #join(ClassLoader, String,
     * RateLimitSpec, String)}): closing it drops the group's holders (whatever they were allotted
     * is free again) and gives back the registry's entry.
     */
    public static final class Membership implements AutoCloseable {
        private final JvmShared<RegistryKey, JobBudget>.Lease lease;
        private final String group;

        private Membership(JvmShared<RegistryKey, JobBudget>.Lease lease, String group) {
            this.lease = lease;
            this.group = group;
        }

        public JobBudget budget() {
            return lease.value();
        }

        @Override
        public void close() {
            budget().removeGroup(group);
            lease.close();
        }
    }

    private record RegistryKey(ClassLoader jobClassLoader, String budgetId) {}

    /**
     * Joins the budget {@code budgetId} of the job whose user-code class loader is {@code
     * jobClassLoader} (created at the first join) with the holders of {@code group}, whose
     * endpoint's limits are {@code spec}. Close the membership when the group is gone.
     */
    public static Membership join(
            ClassLoader jobClassLoader, String budgetId, RateLimitSpec spec, String group) {
        JvmShared<RegistryKey, JobBudget>.Lease lease =
                REGISTRY.acquire(new RegistryKey(jobClassLoader, budgetId));
        lease.value().join(spec);
        return new Membership(lease, group);
    }

    /** How many registered budgets are alive (tests). */
    static int registered() {
        return REGISTRY.alive();
    }

    public JobBudget(RateLimitSpec spec) {
        this(spec, System::currentTimeMillis);
    }

    /** A budget whose adaptive rates move by {@code clock} (milliseconds). */
    JobBudget(RateLimitSpec spec, LongSupplier clock) {
        this(clock);
        join(spec);
    }

    private JobBudget() {
        this(System::currentTimeMillis);
    }

    private JobBudget(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Adds the buckets of another endpoint's limits: keys it shares with specs already joined stay
     * one budget; keys of its own become budgets of this job too.
     */
    public synchronized void join(RateLimitSpec spec) {
        if (specs.contains(spec)) return;
        specs.add(spec);
        tenantRates.forEach((tenant, rate) -> overrideTenantRate(spec, tenant, rate));
    }

    /**
     * The adapted rate of a key of an adaptive bucket, as a share of the bucket's rate (1: as
     * configured); 1 for other keys.
     */
    public synchronized double adaptiveFraction(String key) {
        AdaptiveRate a = adaptiveByKey.get(key);
        return a == null ? 1 : a.fraction();
    }

    /** {@link #report(Holder, BudgetReport)} of a reader of the source. */
    public void report(int reader, BudgetReport report) {
        report(Holder.reader(reader), report);
    }

    /**
     * A holder's report: its demand and applied allotments for every key it uses (absent keys:
     * none).
     */
    public synchronized void report(Holder reader, BudgetReport report) {
        for (String key : report.demand().keySet()) share(key, reader);
        for (String key : report.applied().keySet()) share(key, reader);
        long now = clock.getAsLong();
        for (String key : report.refused().keySet()) {
            AdaptiveRate a = adaptive(key);
            if (a != null) a.decrease(now);
        }
        for (Map.Entry<String, Map<Holder, Share>> e : byKey.entrySet()) {
            Share s = e.getValue().get(reader);
            if (s == null) continue;
            s.demand = report.demand().getOrDefault(e.getKey(), 0);
            s.applied = report.applied().getOrDefault(e.getKey(), Allotment.NONE);
            // what was sent up to the applied one is superseded; what was sent after it may still
            // be applied
            s.inTransit.removeIf(sentOne -> sentOne.sequence <= report.appliedSequence());
        }
        forgetIdle();
    }

    /**
     * A reader is gone (its task failed, or a new attempt registers): nothing it was allotted is in
     * use any more. Flink starts a task's new attempt only after the old one ended.
     */
    public void removeReader(int reader) {
        removeReader(Holder.reader(reader));
    }

    /** {@link #removeReader(int)} of any holder. */
    public synchronized void removeReader(Holder holder) {
        byKey.values().forEach(shares -> shares.remove(holder));
        sent.remove(holder);
        forgetIdle();
    }

    /** Every holder of {@code group} is gone (its coordinator closed or was reset). */
    public synchronized void removeGroup(String group) {
        byKey.values().forEach(shares -> shares.keySet().removeIf(h -> h.group().equals(group)));
        sent.keySet().removeIf(h -> h.group().equals(group));
        forgetIdle();
    }

    /**
     * The allotments to send to {@code reader} now (every key it may use; keys with none are
     * absent), or null if they did not change since it was last sent some. A result is recorded as
     * sent: send it.
     */
    public Allotments allotmentsToSend(int reader) {
        return allotmentsToSend(Holder.reader(reader));
    }

    /** {@link #allotmentsToSend(int)} of any holder. */
    public synchronized Allotments allotmentsToSend(Holder reader) {
        Map<String, Allotment> next = new TreeMap<>();
        Map<Share, Allotment> changes = new HashMap<>();
        Map<Share, Double> fractions = new HashMap<>();
        long now = clock.getAsLong();
        for (Map.Entry<String, Map<Holder, Share>> e : byKey.entrySet()) {
            Share mine = e.getValue().get(reader);
            if (mine == null) continue;
            BucketSpec bucket = bucketOf(e.getKey());
            AdaptiveRate adapted = adaptive(e.getKey());
            if (adapted != null) adapted.maybeIncrease(now);
            Allotment a =
                    feasible(
                            bucket,
                            specOf(e.getKey()).utilization(),
                            e.getValue(),
                            reader,
                            mine,
                            target(bucket, e.getKey(), e.getValue(), reader, mine));
            changes.put(mine, a);
            fractions.put(mine, adaptiveFraction(e.getKey()));
            if (!a.isNone()) next.put(e.getKey(), a);
        }
        if (next.equals(sent.getOrDefault(reader, Allotments.NONE).byKey())) return null;
        Allotments out = new Allotments(nextSequence++, next);
        changes.forEach(
                (share, a) -> {
                    share.granted = a;
                    share.grantedFraction = fractions.get(share);
                    share.inTransit.add(new Sent(out.sequence(), a));
                });
        sent.put(reader, out);
        return out;
    }

    /**
     * The fixed allotment of each of {@code n} limiters that share a bucket evenly without talking
     * to each other.
     */
    public static Allotment evenShare(BucketSpec bucket, double utilization, int n) {
        if ((long) n * bucket.weight() > bucket.permits()) {
            throw new IllegalArgumentException(
                    "rate-limit bucket '"
                            + bucket.name()
                            + "' allows "
                            + bucket.permits()
                            + " permits per "
                            + bucket.period()
                            + ", too few for "
                            + n
                            + " parallel instances that each need "
                            + bucket.weight()
                            + " at once: lower the parallelism, or share the bucket through rate-limit.backend = redis");
        }
        long totalBurst = Math.max(bucket.burst(), (long) n * bucket.weight());
        return new Allotment(totalRate(bucket, utilization, totalBurst) / n, totalBurst / n);
    }

    // ------------------------------------------------------------------ the division

    /** What the reader should have if every reader had its fair part right now. */
    private Allotment target(
            BucketSpec bucket, String key, Map<Holder, Share> shares, Holder reader, Share mine) {
        if (mine.demand <= 0) return Allotment.NONE;
        List<Map.Entry<Holder, Share>> wanting = new ArrayList<>();
        shares.entrySet().stream().filter(e -> e.getValue().demand > 0).forEach(wanting::add);
        // more readers than the bucket has requests per period: the ones with most demand hold it
        // for now
        wanting.sort(
                Comparator.comparingInt((Map.Entry<Holder, Share> e) -> -e.getValue().demand)
                        .thenComparing(Map.Entry::getKey));
        int maxHolders = (int) Math.max(1, bucket.permits() / bucket.weight());
        if (wanting.size() > maxHolders) wanting = wanting.subList(0, maxHolders);
        if (wanting.stream().noneMatch(e -> e.getKey().equals(reader))) return Allotment.NONE;
        int k = wanting.size();
        long totalBurst = Math.max(bucket.burst(), (long) k * bucket.weight());
        double totalDemand = wanting.stream().mapToDouble(e -> e.getValue().demand).sum();
        double fraction = mine.demand / totalDemand;
        long burst =
                bucket.weight()
                        + (long) Math.floor((totalBurst - (long) k * bucket.weight()) * fraction);
        double rate =
                totalRate(bucket, specOf(key).utilization(), totalBurst)
                        * fraction
                        * adaptiveFraction(key);
        Allotment target = new Allotment(rate, burst);
        // the hysteresis is for noisy demand: a step of the adapted rate always goes out (held
        // back, the slow probing above the knee would move in jumps of 10 %)
        boolean smallIncrease =
                mine.grantedFraction == adaptiveFraction(key)
                        && mine.granted.burst() == burst
                        && rate >= mine.granted.ratePerSecond()
                        && rate <= mine.granted.ratePerSecond() * (1 + HYSTERESIS_PERCENT / 100.0);
        return smallIncrease ? mine.granted : target;
    }

    /** The target, or as much of its rate as the other readers' reservations leave room for. */
    private Allotment feasible(
            BucketSpec bucket,
            double utilization,
            Map<Holder, Share> shares,
            Holder reader,
            Share mine,
            Allotment target) {
        // a decrease only lowers what this reader runs at (its reservation keeps the higher ones
        // until it confirms them gone): always sent, also when the bucket itself shrank (a
        // tenant's own limit lowered) and the old reservation no longer fits it
        if (target.ratePerSecond() <= mine.granted.ratePerSecond()
                && target.burst() <= mine.granted.burst()) return target;
        double capacity = bucket.permits() + 1;
        double others = 0;
        for (Map.Entry<Holder, Share> e : shares.entrySet()) {
            if (!e.getKey().equals(reader))
                others += cost(bucket, utilization, e.getValue().reserved());
        }
        Allotment reserved = mine.reserved();
        if (others + cost(bucket, utilization, reserved.max(target)) <= capacity + EPSILON)
            return target;
        // another reader has not confirmed giving back its part yet: take the rate there is room
        // for now (beside the
        // allotments this reader may still run at)
        long burst = Math.max(target.burst(), reserved.burst());
        double rate =
                Math.min(
                        target.ratePerSecond(),
                        (capacity - others - burst) * utilization / periodSeconds(bucket));
        if (rate > 0 && rate >= reserved.ratePerSecond())
            return new Allotment(rate, target.burst());
        return mine.granted; // reserved already, so it fits
    }

    private static double cost(BucketSpec bucket, double utilization, Allotment a) {
        return a.ratePerSecond() * periodSeconds(bucket) / utilization + a.burst();
    }

    private static double totalRate(BucketSpec bucket, double utilization, long totalBurst) {
        return Math.max(0, bucket.permits() + 1 - totalBurst) * utilization / periodSeconds(bucket);
    }

    private static double periodSeconds(BucketSpec bucket) {
        return bucket.period().toNanos() / 1e9;
    }

    /**
     * Gives a tenant a limit of its own (a tenant registry's per-tenant override, e.g. a shop
     * raised from 10 to 100 requests per second): its tenant-scoped buckets ({@code tenant}, {@code
     * tenant-api}) allow {@code permitsPerSecond} instead of the endpoint's, with at most the
     * endpoint's burst. Null: back to the endpoint's. Takes effect with the next allotments sent.
     * Buckets of other scopes (app, API, IP) are the platform's and the app's, shared by all
     * tenants, and stay as they are.
     */
    public synchronized void overrideTenantRate(
            String tenantId, @Nullable Double permitsPerSecond) {
        if (permitsPerSecond == null) tenantRates.remove(tenantId);
        else tenantRates.put(tenantId, permitsPerSecond);
        for (RateLimitSpec spec : specs) overrideTenantRate(spec, tenantId, permitsPerSecond);
    }

    private void overrideTenantRate(
            RateLimitSpec spec, String tenantId, @Nullable Double permitsPerSecond) {
        for (BucketSpec b : spec.buckets()) {
            if (!b.scope().perTenant()) continue;
            String key = spec.key(b, tenantId);
            if (permitsPerSecond == null) {
                overridden.remove(key);
                continue;
            }
            overridden.put(key, b.atRate(permitsPerSecond));
        }
    }

    private BucketSpec bucketOf(String key) {
        BucketSpec own = overridden.get(key);
        if (own != null) return own;
        return specOf(key).bucketOfKey(key);
    }

    /** The first joined spec that declares the key's bucket. */
    private RateLimitSpec specOf(String key) {
        for (RateLimitSpec spec : specs) {
            if (spec.bucketOfKey(key) != null) return spec;
        }
        throw new IllegalStateException(
                "a reader reported the unknown rate-limit bucket key '" + key + "'");
    }

    /** The adapted rate of a key of an adaptive bucket (created at first use), else null. */
    @Nullable
    private AdaptiveRate adaptive(String key) {
        BucketSpec bucket = bucketOf(key);
        if (!bucket.adaptive()) return null;
        return adaptiveByKey.computeIfAbsent(
                key,
                k ->
                        new AdaptiveRate(
                                bucket.safeRatePerSecond(specOf(k).utilization()),
                                specOf(k).adaptive(),
                                clock.getAsLong()));
    }

    private Share share(String key, Holder reader) {
        bucketOf(key);
        return byKey.computeIfAbsent(key, k -> new HashMap<>())
                .computeIfAbsent(reader, r -> new Share());
    }

    /** Drops readers that neither want nor hold anything of a key, and keys nobody uses. */
    private void forgetIdle() {
        for (Iterator<Map<Holder, Share>> keys = byKey.values().iterator(); keys.hasNext(); ) {
            Map<Holder, Share> shares = keys.next();
            shares.values().removeIf(Share::isIdle);
            if (shares.isEmpty()) keys.remove();
        }
    }

    /** One reader's part of one key. */
    private static final class Share {
        int demand;

        /** The latest allotment sent. */
        Allotment granted = Allotment.NONE;

        /** The key's adapted share of its rate when {@link #granted} was computed. */
        double grantedFraction = 1;

        Allotment applied = Allotment.NONE;

        /**
         * Allotments sent after the last one the reader applied: it may still run at any of them.
         */
        final List<Sent> inTransit = new ArrayList<>();

        Allotment reserved() {
            Allotment r = applied;
            for (Sent s : inTransit) r = r.max(s.allotment);
            return r;
        }

        boolean isIdle() {
            return demand <= 0 && granted.isNone() && applied.isNone() && inTransit.isEmpty();
        }
    }

    private record Sent(long sequence, Allotment allotment) {}
}
