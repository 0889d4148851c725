package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.OptionReader;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.TimeUtils;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * What the enumerator plans: which tenants, which stretch of the update-time axis, how the stretch
 * is cut into windows, and the platform limits the cuts must respect.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li><b>bounded</b> ({@link Builder#endTime(Instant)} set): a backfill of {@code [startTime,
 *       endTime)}; the source ends when every window has been read.
 *   <li><b>continuous</b>: windows up to {@code now - lag}, discovering new ones every {@code
 *       discoveryInterval}. Windows are at most {@code step} wide; the newest one ends at the
 *       horizon {@code now - lag}, so the sync stays about {@code lag + discoveryInterval} behind
 *       the platform. The lag gives the platform time to make a changed record visible in its list
 *       API; a window read before that would miss the record for good.
 * </ul>
 *
 * <p>Decisions on limits (all checked in {@link Builder#build()} or {@link #checkTimeRange(long)},
 * with messages that name the option of {@link ScanOptions} or {@code EndpointOptions} that sets
 * it, e.g. {@code scan.window.step} for {@code step}):
 *
 * <ul>
 *   <li>{@code step} wider than the platform's {@code maxWindowWidth} is <b>rejected</b>, not
 *       clamped: a silently narrower window than configured would surprise whoever sized the step.
 *       Without a step, the step is the maximum width. No window is ever planned or split wider
 *       than the step, hence than the maximum width.
 *   <li>A {@code startTime} older than {@code now - lookBack} is <b>rejected</b> when the sync
 *       starts (in both modes), not clamped: clamping would silently leave out the records the user
 *       asked for, and requesting them fails on every platform we know. Restored state is not
 *       checked again (its windows were valid when planned).
 *   <li>A bounded {@code endTime} later than {@code now - lag} is rejected when the sync starts:
 *       records updated in the future of the backfill would be missed without notice; use
 *       continuous mode to follow the present.
 *   <li>Window boundaries are multiples of {@code timeResolution}, the finest time the platform's
 *       window parameters express (one second for {@code yyyy-MM-dd HH:mm:ss}). A boundary between
 *       two resolution steps would be truncated by the request format and open a gap or an overlap.
 *       {@code startTime} is rounded down and {@code endTime} up to the resolution (reading a
 *       little more never loses a record); {@code step} and {@code minWindowWidth} must be
 *       multiples of it.
 *   <li>Hot windows are halved down to {@code minWindowWidth}; see {@link WindowPlanner}.
 * </ul>
 *
 * <p>Immutable and serializable (it travels inside the {@code Source}); so must be the {@link
 * Clock}, which tests replace with a manual one.
 */
@PublicEvolving
public final class SyncPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default of option {@code scan.lag} ({@link ScanOptions#LAG}). */
    public static final Duration DEFAULT_LAG = ScanOptions.LAG.defaultValue();

    /**
     * The default of option {@code scan.discovery-interval} ({@link
     * ScanOptions#DISCOVERY_INTERVAL}).
     */
    public static final Duration DEFAULT_DISCOVERY_INTERVAL =
            ScanOptions.DISCOVERY_INTERVAL.defaultValue();

    public static final Duration DEFAULT_TIME_RESOLUTION = Duration.ofSeconds(1);

    /**
     * The default of option {@code scan.failed-window.retry-delay} ({@link
     * ScanOptions#FAILED_WINDOW_RETRY_DELAY}).
     */
    public static final Duration DEFAULT_FAILED_WINDOW_RETRY_DELAY =
            ScanOptions.FAILED_WINDOW_RETRY_DELAY.defaultValue();

    /**
     * The default of option {@code scan.failed-window.max-failures} ({@link
     * ScanOptions#FAILED_WINDOW_MAX_FAILURES}).
     */
    public static final int DEFAULT_MAX_WINDOW_FAILURES =
            ScanOptions.FAILED_WINDOW_MAX_FAILURES.defaultValue();

    private static final String STEP = ScanOptions.WINDOW_STEP.key();
    private static final String MIN_WIDTH = ScanOptions.WINDOW_MIN_WIDTH.key();
    private static final String MAX_WIDTH = EndpointOptions.WINDOW_MAX_WIDTH.key();
    private static final String LOOK_BACK = EndpointOptions.WINDOW_LOOK_BACK.key();

    /**
     * The time resolution is no option of its own: it is the unit of the endpoint's time format.
     */
    private static final String RESOLUTION =
            "the time resolution of '" + EndpointOptions.TIME_FORMAT.key() + "'";

    /** A window failing for a transient cause waits at most this many times the retry delay. */
    static final int MAX_RETRY_DELAY_FACTOR = 8;

    private final List<String> tenants;
    private final long startMillis;
    @Nullable private final Long endMillis;
    private final long stepMillis;
    @Nullable private final Long maxWindowWidthMillis;
    @Nullable private final Long lookBackMillis;
    private final long lagMillis;
    private final long discoveryIntervalMillis;
    private final long minWindowWidthMillis;
    private final long timeResolutionMillis;
    private final long failedWindowRetryDelayMillis;
    private final int maxWindowFailures;
    private final long recentSpanMillis;
    private final double historyShare;
    private final Clock clock;

    private SyncPlan(Builder builder, long stepMillis, long minWindowWidthMillis) {
        this.tenants = List.copyOf(builder.tenants);
        this.timeResolutionMillis = builder.timeResolution.toMillis();
        this.startMillis = alignDown(builder.startTime.toEpochMilli(), timeResolutionMillis);
        this.endMillis =
                builder.endTime == null
                        ? null
                        : alignUp(builder.endTime.toEpochMilli(), timeResolutionMillis);
        this.stepMillis = stepMillis;
        this.maxWindowWidthMillis =
                builder.maxWindowWidth == null ? null : builder.maxWindowWidth.toMillis();
        this.lookBackMillis = builder.lookBack == null ? null : builder.lookBack.toMillis();
        this.lagMillis = builder.lag.toMillis();
        this.discoveryIntervalMillis = builder.discoveryInterval.toMillis();
        this.minWindowWidthMillis = minWindowWidthMillis;
        this.failedWindowRetryDelayMillis = builder.failedWindowRetryDelay.toMillis();
        this.maxWindowFailures = builder.maxWindowFailures;
        this.recentSpanMillis = builder.recentSpan.toMillis();
        this.historyShare = builder.historyShare;
        this.clock = builder.clock;
    }

    /** A copy of {@code base} that syncs one tenant over {@code [start, end)}, bounded. */
    private SyncPlan(SyncPlan base, String tenant, long startMillis, long endMillis) {
        this.tenants = List.of(tenant);
        this.timeResolutionMillis = base.timeResolutionMillis;
        this.startMillis = alignDown(startMillis, timeResolutionMillis);
        this.endMillis = endMillis;
        this.stepMillis = base.stepMillis;
        this.maxWindowWidthMillis = base.maxWindowWidthMillis;
        this.lookBackMillis = base.lookBackMillis;
        this.lagMillis = base.lagMillis;
        this.discoveryIntervalMillis = base.discoveryIntervalMillis;
        this.minWindowWidthMillis = base.minWindowWidthMillis;
        this.failedWindowRetryDelayMillis = base.failedWindowRetryDelayMillis;
        this.maxWindowFailures = base.maxWindowFailures;
        this.recentSpanMillis = 0; // a pass reads its range oldest first
        this.historyShare = base.historyShare;
        this.clock = base.clock;
    }

    /**
     * The plan of a full pass of {@code tenant}: this plan's windows, bounded to {@code [start,
     * end)} ({@link PassScheduler}).
     */
    SyncPlan forPass(String tenant, long startMillis, long endMillis) {
        return new SyncPlan(this, tenant, startMillis, endMillis);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> tenants() {
        return tenants;
    }

    public long startMillis() {
        return startMillis;
    }

    public boolean isBounded() {
        return endMillis != null;
    }

    /** The exclusive end of a bounded sync; fails in continuous mode. */
    public long endMillis() {
        if (endMillis == null) {
            throw new IllegalStateException("A continuous sync plan has no end");
        }
        return endMillis;
    }

    public long stepMillis() {
        return stepMillis;
    }

    @Nullable
    public Long maxWindowWidthMillis() {
        return maxWindowWidthMillis;
    }

    @Nullable
    public Long lookBackMillis() {
        return lookBackMillis;
    }

    public long lagMillis() {
        return lagMillis;
    }

    public long discoveryIntervalMillis() {
        return discoveryIntervalMillis;
    }

    public long minWindowWidthMillis() {
        return minWindowWidthMillis;
    }

    public long timeResolutionMillis() {
        return timeResolutionMillis;
    }

    public long failedWindowRetryDelayMillis() {
        return failedWindowRetryDelayMillis;
    }

    /**
     * How many times in a row a window of a bounded sync may fail with the same lasting cause (see
     * {@link io.httpsync.connector.source.split.WindowFailure}) before the sync fails with that
     * cause.
     */
    public int maxWindowFailures() {
        return maxWindowFailures;
    }

    /**
     * How long a window waits before it is read again after its {@code failures}-th failure in a
     * row (1 for the first): the retry delay after a lasting cause (which a bounded sync gives up
     * on, see {@link #maxWindowFailures()}); after a transient one, the retry delay doubled per
     * failure up to {@value #MAX_RETRY_DELAY_FACTOR} times it, for as long as it takes.
     */
    public long retryDelayMillis(int failures, boolean transientCause) {
        if (!transientCause) return failedWindowRetryDelayMillis;
        int doublings =
                Math.min(
                        Math.max(0, failures - 1),
                        Integer.numberOfTrailingZeros(MAX_RETRY_DELAY_FACTOR));
        return failedWindowRetryDelayMillis << doublings;
    }

    /**
     * Continuous mode: a tenant whose planning is more than this behind the horizon reads its most
     * recent span first (0: never).
     */
    public long recentSpanMillis() {
        return isBounded() ? 0 : recentSpanMillis;
    }

    /** The share of a tenant's turns that go to its history while recent windows wait too. */
    public double historyShare() {
        return historyShare;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * How often the enumerator wakes up: to discover windows (continuous) and to release failed
     * windows whose retry delay has passed (both modes).
     */
    public long tickIntervalMillis() {
        return isBounded()
                ? failedWindowRetryDelayMillis
                : Math.min(discoveryIntervalMillis, failedWindowRetryDelayMillis);
    }

    /** The largest multiple of the time resolution that is not after {@code millis}. */
    public long alignDown(long millis) {
        return alignDown(millis, timeResolutionMillis);
    }

    /**
     * Checks the plan against the current time when a sync starts from scratch (not when it is
     * restored): the start must lie within the platform's look-back limit, and a bounded end must
     * not lie beyond {@code now - lag}.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public void checkTimeRange(long nowMillis) {
        if (lookBackMillis != null && startMillis < nowMillis - lookBackMillis) {
            throw OptionReader.invalid(
                    ScanOptions.START,
                    String.format(
                            "%s is older than the platform's look-back limit: '%s' is %s, so the earliest start now"
                                    + " is %s. The platform serves no records before it; choose a later start.",
                            Instant.ofEpochMilli(startMillis),
                            LOOK_BACK,
                            spell(Duration.ofMillis(lookBackMillis)),
                            Instant.ofEpochMilli(nowMillis - lookBackMillis)));
        }
        if (endMillis != null && endMillis > nowMillis - lagMillis) {
            throw OptionReader.invalid(
                    ScanOptions.END,
                    String.format(
                            "%s is later than now minus '%s' (%s - %s): a bounded sync would miss records"
                                    + " updated after it reads their window. Choose an earlier end, or a"
                                    + " continuous sync (no end) to follow the present.",
                            Instant.ofEpochMilli(endMillis),
                            ScanOptions.LAG.key(),
                            Instant.ofEpochMilli(nowMillis),
                            spell(Duration.ofMillis(lagMillis))));
        }
    }

    @Override
    public String toString() {
        return "SyncPlan{tenants="
                + tenants
                + ", start="
                + Instant.ofEpochMilli(startMillis)
                + (endMillis == null
                        ? ", continuous, lag=" + Duration.ofMillis(lagMillis)
                        : ", end=" + Instant.ofEpochMilli(endMillis))
                + ", step="
                + Duration.ofMillis(stepMillis)
                + ", maxWindowWidth="
                + (maxWindowWidthMillis == null ? "none" : Duration.ofMillis(maxWindowWidthMillis))
                + ", lookBack="
                + (lookBackMillis == null ? "none" : Duration.ofMillis(lookBackMillis))
                + ", minWindowWidth="
                + Duration.ofMillis(minWindowWidthMillis)
                + ", timeResolution="
                + Duration.ofMillis(timeResolutionMillis)
                + '}';
    }

    /** A duration as options spell it: {@code 25 h}, {@code 1500 ms}. */
    private static String spell(Duration d) {
        return TimeUtils.formatWithHighestUnit(d);
    }

    private static long alignDown(long millis, long resolution) {
        return Math.floorDiv(millis, resolution) * resolution;
    }

    private static long alignUp(long millis, long resolution) {
        return -Math.floorDiv(-millis, resolution) * resolution;
    }

    /** Builds a {@link SyncPlan}; every check happens in {@link #build()}. */
    @PublicEvolving
    public static final class Builder {

        private final List<String> tenants = new ArrayList<>();
        private boolean tenantsFromRegistry;
        @Nullable private Instant startTime;
        @Nullable private Instant endTime;
        @Nullable private Duration step;
        @Nullable private Duration maxWindowWidth;
        @Nullable private Duration lookBack;
        private Duration lag = DEFAULT_LAG;
        private Duration discoveryInterval = DEFAULT_DISCOVERY_INTERVAL;
        @Nullable private Duration minWindowWidth;
        private Duration timeResolution = DEFAULT_TIME_RESOLUTION;
        private Duration failedWindowRetryDelay = DEFAULT_FAILED_WINDOW_RETRY_DELAY;
        private int maxWindowFailures = DEFAULT_MAX_WINDOW_FAILURES;
        private Duration recentSpan = ScanOptions.RECENT_SPAN.defaultValue();
        private double historyShare = ScanOptions.RECENT_HISTORY_SHARE.defaultValue();
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** The tenants (shops, corps) to sync; each window belongs to one of them. Required. */
        public Builder tenants(Collection<String> tenants) {
            this.tenants.clear();
            this.tenants.addAll(tenants);
            return this;
        }

        /**
         * More tenants come from a tenant registry while the sync runs: the fixed list may be
         * empty.
         */
        public Builder tenantsFromRegistry(boolean fromRegistry) {
            this.tenantsFromRegistry = fromRegistry;
            return this;
        }

        public Builder tenants(String... tenants) {
            return tenants(List.of(tenants));
        }

        /** The earliest update time to sync (inclusive). Required. */
        public Builder startTime(Instant startTime) {
            this.startTime = startTime;
            return this;
        }

        /** Makes the sync bounded: a backfill that ends at this update time (exclusive). */
        public Builder endTime(@Nullable Instant endTime) {
            this.endTime = endTime;
            return this;
        }

        /**
         * The width of the planned windows. Defaults to {@code maxWindowWidth}; required without
         * it.
         */
        public Builder step(Duration step) {
            this.step = step;
            return this;
        }

        /**
         * The widest window the platform accepts (e.g. 1 day on Taobao/TOP, 7 days on Kuaishou).
         */
        public Builder maxWindowWidth(@Nullable Duration maxWindowWidth) {
            this.maxWindowWidth = maxWindowWidth;
            return this;
        }

        /** How far back the platform serves records (e.g. 90 days on Kuaishou, 3 months on TOP). */
        public Builder lookBack(@Nullable Duration lookBack) {
            this.lookBack = lookBack;
            return this;
        }

        /** How far behind the present a window must end. Defaults to {@link #DEFAULT_LAG}. */
        public Builder lag(Duration lag) {
            this.lag = lag;
            return this;
        }

        /**
         * How often a continuous sync looks for new windows. Defaults to {@link
         * #DEFAULT_DISCOVERY_INTERVAL}.
         */
        public Builder discoveryInterval(Duration discoveryInterval) {
            this.discoveryInterval = discoveryInterval;
            return this;
        }

        /**
         * The narrowest window a hot window is split into. Defaults to {@code timeResolution}, the
         * narrowest window the platform can be asked for.
         */
        public Builder minWindowWidth(Duration minWindowWidth) {
            this.minWindowWidth = minWindowWidth;
            return this;
        }

        /**
         * The finest time the window parameters express. Defaults to {@link
         * #DEFAULT_TIME_RESOLUTION}.
         */
        public Builder timeResolution(Duration timeResolution) {
            this.timeResolution = timeResolution;
            return this;
        }

        /** How long a failed window waits before it is read again. */
        public Builder failedWindowRetryDelay(Duration failedWindowRetryDelay) {
            this.failedWindowRetryDelay = failedWindowRetryDelay;
            return this;
        }

        /**
         * How many times in a row a window of a bounded sync may fail with the same lasting cause
         * before the sync fails with it (at least 1). Defaults to {@link
         * #DEFAULT_MAX_WINDOW_FAILURES}. A continuous sync keeps retrying.
         */
        public Builder maxWindowFailures(int maxWindowFailures) {
            this.maxWindowFailures = maxWindowFailures;
            return this;
        }

        /**
         * Continuous mode: a tenant more than this behind the present reads its most recent span
         * first, its history behind it. Defaults to {@code scan.recent.span}; zero: oldest first.
         */
        public Builder recentSpan(Duration recentSpan) {
            this.recentSpan = recentSpan;
            return this;
        }

        /**
         * The share (0 to 1) of a tenant's turns that go to its history while its recent windows
         * wait too. Defaults to {@code scan.recent.history-share}.
         */
        public Builder historyShare(double historyShare) {
            this.historyShare = historyShare;
            return this;
        }

        /** The clock for "now"; must be serializable. Tests use a manual clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public SyncPlan build() {
            checkTenants();
            if (startTime == null) throw OptionReader.invalid(ScanOptions.START, "is required");
            checkPositive(RESOLUTION, timeResolution);
            long resolution = timeResolution.toMillis();
            if (endTime != null && !endTime.isAfter(startTime)) {
                throw OptionReader.invalid(
                        ScanOptions.END,
                        endTime + " must be after '" + ScanOptions.START.key() + "' " + startTime);
            }
            if (maxWindowWidth != null) {
                checkPositive(MAX_WIDTH, maxWindowWidth);
            }
            if (lookBack != null) {
                checkPositive(LOOK_BACK, lookBack);
            }
            Duration effectiveStep = step != null ? step : maxWindowWidth;
            if (effectiveStep == null) {
                throw OptionReader.invalid(STEP, "is required when no '" + MAX_WIDTH + "' is set");
            }
            checkPositive(STEP, effectiveStep);
            if (maxWindowWidth != null && effectiveStep.compareTo(maxWindowWidth) > 0) {
                throw OptionReader.invalid(
                        STEP,
                        String.format(
                                "%s exceeds the platform's '%s' %s: the platform rejects wider windows. Choose a step of at most %s.",
                                spell(effectiveStep),
                                MAX_WIDTH,
                                spell(maxWindowWidth),
                                spell(maxWindowWidth)));
            }
            checkMultipleOfResolution(STEP, effectiveStep, resolution);
            Duration effectiveMinWidth = minWindowWidth != null ? minWindowWidth : timeResolution;
            checkPositive(MIN_WIDTH, effectiveMinWidth);
            checkMultipleOfResolution(MIN_WIDTH, effectiveMinWidth, resolution);
            if (effectiveMinWidth.compareTo(effectiveStep) > 0) {
                throw OptionReader.invalid(
                        MIN_WIDTH,
                        String.format(
                                "%s must not exceed '%s' %s",
                                spell(effectiveMinWidth), STEP, spell(effectiveStep)));
            }
            if (lag == null) throw OptionReader.invalid(ScanOptions.LAG, "is required");
            if (lag.isNegative()) {
                throw OptionReader.invalid(
                        ScanOptions.LAG, "must not be negative but was " + spell(lag));
            }
            checkPositive(ScanOptions.DISCOVERY_INTERVAL.key(), discoveryInterval);
            checkPositive(ScanOptions.FAILED_WINDOW_RETRY_DELAY.key(), failedWindowRetryDelay);
            if (maxWindowFailures < 1) {
                throw OptionReader.invalid(
                        ScanOptions.FAILED_WINDOW_MAX_FAILURES,
                        "must be at least 1 but was " + maxWindowFailures);
            }
            if (recentSpan == null || recentSpan.isNegative())
                throw OptionReader.invalid(
                        ScanOptions.RECENT_SPAN,
                        "must not be negative but was "
                                + (recentSpan == null ? "null" : spell(recentSpan)));
            if (!(historyShare >= 0 && historyShare <= 1))
                throw OptionReader.invalid(
                        ScanOptions.RECENT_HISTORY_SHARE,
                        "must be between 0 and 1 but was " + historyShare);
            checkNotNull(clock, "clock");
            if (!(clock instanceof Serializable)) {
                throw new IllegalArgumentException(
                        "clock must be Serializable (it travels with the source) but "
                                + clock.getClass().getName()
                                + " is not");
            }
            return new SyncPlan(this, effectiveStep.toMillis(), effectiveMinWidth.toMillis());
        }

        private void checkTenants() {
            String key = TenantOptions.TENANTS.key();
            if (tenants.isEmpty() && !tenantsFromRegistry) {
                throw OptionReader.invalid(key, "must name at least one tenant");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < tenants.size(); i++) {
                String tenant = tenants.get(i);
                if (tenant == null || tenant.isBlank()) {
                    throw OptionReader.invalid(key, "names a blank tenant at position " + (i + 1));
                }
                if (!seen.add(tenant)) {
                    throw OptionReader.invalid(key, "names '" + tenant + "' twice");
                }
            }
        }

        /** {@code option} is an option key, or what sets the value ({@link #RESOLUTION}). */
        private static void checkPositive(String option, Duration value) {
            checkNotNull(value, option);
            if (value.isNegative() || value.isZero() || value.toMillis() == 0) {
                throw invalid(option, "must be at least one millisecond but was " + spell(value));
            }
        }

        private static void checkMultipleOfResolution(
                String option, Duration value, long resolution) {
            if (value.toMillis() % resolution != 0) {
                throw invalid(
                        option,
                        String.format(
                                "%s must be a multiple of %s (%s)",
                                spell(value), RESOLUTION, spell(Duration.ofMillis(resolution))));
            }
        }

        private static IllegalArgumentException invalid(String option, String message) {
            return option.equals(RESOLUTION)
                    ? new IllegalArgumentException(RESOLUTION + " " + message)
                    : OptionReader.invalid(option, message);
        }
    }
}
