package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistry;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.ratelimit.RateLimitSpec;
import io.httpsync.connector.source.enumerator.HttpSyncEnumState;
import io.httpsync.connector.source.enumerator.HttpSyncEnumStateSerializer;
import io.httpsync.connector.source.enumerator.HttpSyncEnumerator;
import io.httpsync.connector.source.enumerator.PassPlan;
import io.httpsync.connector.source.enumerator.RegistryTenants;
import io.httpsync.connector.source.enumerator.RotatedRefreshToken;
import io.httpsync.connector.source.enumerator.SyncPlan;
import io.httpsync.connector.source.enumerator.TenantWeights;
import io.httpsync.connector.source.enumerator.TokenCoordinator;
import io.httpsync.connector.source.reader.HttpSyncReaders;
import io.httpsync.connector.source.reader.SplitsInFlight;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import javax.annotation.Nullable;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A FLIP-27 source that keeps a platform's list API in sync: the enumerator plans time windows over
 * the records' update (or create) time per tenant and tracks the sync position in Flink
 * checkpoints; the readers page the windows asynchronously under a rate limiter and emit every
 * record with its update time as timestamp.
 *
 * <p>The tenants are a fixed list, or come and go while the job runs from a tenant registry ({@link
 * HttpSyncSourceBuilder#setTenantRegistry}), whose token store then keeps the tokens.
 *
 * <p>Build it with {@link #builder()}; all validation happens in {@link
 * HttpSyncSourceBuilder#build()}.
 *
 * @param <T> the record type produced by the {@link RecordDeserializer}
 */
@PublicEvolving
public final class HttpSyncSource<T>
        implements Source<SyncElement<T>, WindowSplit, HttpSyncEnumState>,
                ResultTypeQueryable<SyncElement<T>> {
    private static final long serialVersionUID = 1L;

    /**
     * Readers poll the enumerator at least this often (more often if the plan ticks faster): a
     * waiting request gets a new window, and the end of a bounded sync reaches every reader, within
     * this delay.
     */
    private static final long MAX_READER_POLL_INTERVAL_MILLIS = 200;

    final EndpointSpec endpoint;
    final List<Tenant> tenants;
    final SyncPlan plan;
    final RecordDeserializer<T> deserializer;
    final ExceptionPolicy exceptionPolicy;
    final SplitsInFlight splitsInFlightPerReader;
    final boolean emitTenantPositions;
    @Nullable final FullPasses fullPasses;

    /** Where more tenants come from while the job runs, or null: the fixed list only. */
    @Nullable final TenantRegistrySpec registry;

    final boolean perTenantMetrics;

    /**
     * Names this source's rate-limit budget in the JobManager ({@link JobBudget#join(ClassLoader,
     * String, io.httpsync.connector.ratelimit.RateLimitSpec, String)}): the dependent endpoints it
     * drives carry the same id in the job graph and join the same budget.
     */
    final String budgetId = UUID.randomUUID().toString();

    HttpSyncSource(
            EndpointSpec endpoint,
            List<Tenant> tenants,
            SyncPlan plan,
            RecordDeserializer<T> deserializer,
            ExceptionPolicy exceptionPolicy,
            SplitsInFlight splitsInFlightPerReader,
            boolean emitTenantPositions) {
        this(
                endpoint,
                tenants,
                plan,
                deserializer,
                exceptionPolicy,
                splitsInFlightPerReader,
                emitTenantPositions,
                null,
                true,
                null);
    }

    HttpSyncSource(
            EndpointSpec endpoint,
            List<Tenant> tenants,
            SyncPlan plan,
            RecordDeserializer<T> deserializer,
            ExceptionPolicy exceptionPolicy,
            SplitsInFlight splitsInFlightPerReader,
            boolean emitTenantPositions,
            @Nullable TenantRegistrySpec registry,
            boolean perTenantMetrics,
            @Nullable FullPasses fullPasses) {
        this.registry = registry;
        this.perTenantMetrics = perTenantMetrics;
        this.endpoint = endpoint;
        this.tenants = List.copyOf(tenants);
        this.plan = plan;
        this.deserializer = deserializer;
        this.exceptionPolicy = exceptionPolicy;
        this.splitsInFlightPerReader = splitsInFlightPerReader;
        this.emitTenantPositions = emitTenantPositions;
        this.fullPasses = fullPasses;
    }

    /** The periodic full passes this source runs, or null if none ({@link FullPasses}). */
    @Nullable
    public FullPasses fullPasses() {
        return fullPasses;
    }

    /**
     * The same source with another deserializer: for a table, whose format's runtime decoder is
     * known only when the planner asks for the scan, after the source was built from the options.
     */
    @Internal
    public <R> HttpSyncSource<R> withDeserializer(RecordDeserializer<R> other) {
        return new HttpSyncSource<>(
                endpoint,
                tenants,
                plan,
                other,
                exceptionPolicy,
                splitsInFlightPerReader,
                emitTenantPositions,
                registry,
                perTenantMetrics,
                fullPasses);
    }

    public static <T> HttpSyncSourceBuilder<T> builder() {
        return new HttpSyncSourceBuilder<>();
    }

    /**
     * Timestamps are assigned by the source (each record's update time) and watermarks follow the
     * sync position, so the stream needs no watermark generator of its own.
     */
    public WatermarkStrategy<SyncElement<T>> watermarkStrategy() {
        return WatermarkStrategy.noWatermarks();
    }

    @Override
    public Boundedness getBoundedness() {
        return plan.isBounded() ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Internal
    @Override
    public SourceReader<SyncElement<T>, WindowSplit> createReader(SourceReaderContext context) {
        // the budget is global: the enumerator divides each bucket among the readers by their
        // demand (or Redis shares
        // it), so an idle subtask's share goes to busy ones instead of each getting rate /
        // parallelism
        HierarchicalRateLimiter limiter = HierarchicalRateLimiter.forReader(endpoint.rateLimits());
        try {
            limiter.registerMetrics(context.metricGroup());
            return HttpSyncReaders.create(
                    endpoint,
                    limiter,
                    tenants,
                    deserializer,
                    exceptionPolicy,
                    splitsInFlightPerReader,
                    emitTenantPositions,
                    Math.min(plan.tickIntervalMillis(), MAX_READER_POLL_INTERVAL_MILLIS),
                    // a bounded sync reads up to its end, which the platform's clock must have
                    // passed; the lag only
                    // keeps a continuous sync behind the platform's now
                    plan.isBounded() ? 0 : plan.lagMillis(),
                    context,
                    registry != null && registry.readsTenants(),
                    perTenantMetrics);
        } catch (RuntimeException e) {
            limiter.close();
            throw e;
        }
    }

    @Internal
    @Override
    public SplitEnumerator<WindowSplit, HttpSyncEnumState> createEnumerator(
            SplitEnumeratorContext<WindowSplit> context) {
        return enumerator(context, null);
    }

    /**
     * The enumerator, restored or new; with a tenant registry, the registry is created here (in the
     * JobManager, through the job's class loader) and its token store serves the tokens.
     */
    private HttpSyncEnumerator enumerator(
            SplitEnumeratorContext<WindowSplit> context, @Nullable HttpSyncEnumState checkpoint) {
        List<RotatedRefreshToken> restored =
                checkpoint == null ? List.of() : checkpoint.refreshTokens();
        TenantRegistry opened = registry == null ? null : registry.create(userClassLoader());
        // a registry serving only its token store (a bounded job of tenants read from it
        // beforehand) plans no tenants of its own
        RegistryTenants registryTenants =
                registry != null && registry.readsTenants()
                        ? new RegistryTenants(
                                opened,
                                registry,
                                tenants.stream().map(Tenant::id).collect(Collectors.toSet()),
                                perTenantMetrics)
                        : null;
        TokenStore store =
                registry != null && registry.usesTokenStore() ? opened.tokenStore() : null;
        JobBudget.Membership budget = joinJobBudget();
        HttpSyncEnumerator enumerator =
                new HttpSyncEnumerator(
                                context,
                                plan,
                                checkpoint,
                                budget == null ? null : budget.budget(),
                                TokenCoordinator.of(
                                        endpoint,
                                        tenants,
                                        restored,
                                        context,
                                        store,
                                        registryTenants != null
                                                ? registryTenants::revoked
                                                : (tenant, reason) -> {}),
                                registryTenants,
                                perTenantMetrics)
                        .weighTenants(TenantWeights.of(endpoint.rateLimits()), tenants)
                        .withPasses(passPlan());
        // RegistryTenants closes the registry it reads; a token store alone is closed here
        if (opened != null && registryTenants == null) enumerator.closing(opened);
        if (budget != null) enumerator.closing(budget);
        return enumerator;
    }

    @Nullable
    private PassPlan passPlan() {
        return fullPasses == null ? null : fullPasses.plan();
    }

    /**
     * The job's class loader: the source coordinator's thread has it as context class loader (the
     * connector itself may sit in Flink's lib/, below the job's jars).
     */
    private ClassLoader userClassLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : HttpSyncSource.class.getClassLoader();
    }

    @Internal
    @Override
    public SplitEnumerator<WindowSplit, HttpSyncEnumState> restoreEnumerator(
            SplitEnumeratorContext<WindowSplit> context, HttpSyncEnumState checkpoint) {
        return enumerator(context, checkpoint);
    }

    /**
     * The enumerator's part in the job's rate-limit budgets (shared with the dependent endpoints
     * this source drives), unless Redis keeps them.
     */
    @Nullable
    private JobBudget.Membership joinJobBudget() {
        return endpoint.rateLimits().backend() == RateLimitSpec.Backend.JOB
                ? JobBudget.join(
                        userClassLoader(), budgetId, endpoint.rateLimits(), JobBudget.READERS)
                : null;
    }

    @Internal
    @Override
    public SimpleVersionedSerializer<WindowSplit> getSplitSerializer() {
        return WindowSplitSerializer.INSTANCE;
    }

    @Internal
    @Override
    public SimpleVersionedSerializer<HttpSyncEnumState> getEnumeratorCheckpointSerializer() {
        return new HttpSyncEnumStateSerializer();
    }

    /** The elements' own type: the record's serializer inside, never Kryo. */
    @Override
    public TypeInformation<SyncElement<T>> getProducedType() {
        return new SyncElementTypeInfo<>(deserializer.getProducedType());
    }
}
