package io.httpsync.connector.source;

import io.httpsync.connector.source.enumerator.PassOptions;
import io.httpsync.connector.source.enumerator.PassOptions.ChangelogMode;
import io.httpsync.connector.source.enumerator.PassPlan;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Periodic full passes of a continuous source and the changelog they make ({@link PassOptions}):
 * every {@code interval} each tenant's range is listed again, and {@link PassChangelog} turns the
 * keys a completed pass did not see into deletions ({@code changelog.mode} {@code delete}) or soft
 * deletions ({@code soft-delete}), those a detail API confirms gone if it has a check ({@link
 * #withCheck}). Immutable; set with {@link HttpSyncSourceBuilder#setFullPasses}, or the {@code
 * pass.*} and {@code changelog.mode} options.
 */
@PublicEvolving
public final class FullPasses implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Duration interval;
    @Nullable private final Instant from;
    @Nullable private final Duration range;
    private final ChangelogMode mode;
    private final double maxDeleteRatio;
    private final Duration stateTtl;
    @Nullable private final DetailApiCheck check;

    private FullPasses(
            Duration interval,
            @Nullable Instant from,
            @Nullable Duration range,
            ChangelogMode mode,
            double maxDeleteRatio,
            @Nullable Duration stateTtl,
            @Nullable DetailApiCheck check) {
        this.check = check;
        this.interval = Objects.requireNonNull(interval, PassOptions.INTERVAL.key());
        this.from = from;
        this.range = range;
        this.mode = Objects.requireNonNull(mode, PassOptions.CHANGELOG_MODE.key());
        if (!(maxDeleteRatio >= 0 && maxDeleteRatio <= 1))
            throw new IllegalArgumentException(
                    "'"
                            + PassOptions.MAX_DELETE_RATIO.key()
                            + "' must lie in [0, 1] but was "
                            + maxDeleteRatio);
        this.maxDeleteRatio = maxDeleteRatio;
        this.stateTtl = stateTtl == null ? interval.multipliedBy(3).plusHours(1) : stateTtl;
        if (this.stateTtl.compareTo(interval) <= 0)
            throw new IllegalArgumentException(
                    "'"
                            + PassOptions.STATE_TTL.key()
                            + "' "
                            + this.stateTtl
                            + " must be longer than '"
                            + PassOptions.INTERVAL.key()
                            + "' "
                            + interval
                            + ": a key would expire before the next pass sees it");
    }

    /** Full passes every {@code interval} whose unseen keys become DELETEs. */
    public static FullPasses every(Duration interval) {
        return new FullPasses(
                interval,
                null,
                null,
                ChangelogMode.DELETE,
                PassOptions.MAX_DELETE_RATIO.defaultValue(),
                null,
                null);
    }

    /** Passes list from {@code from} on (default: the scan's start). */
    public FullPasses from(@Nullable Instant from) {
        return new FullPasses(interval, from, range, mode, maxDeleteRatio, stateTtl, check);
    }

    /** Passes list at most {@code range} back from their start (default: back to {@link #from}). */
    public FullPasses range(@Nullable Duration range) {
        return new FullPasses(interval, from, range, mode, maxDeleteRatio, stateTtl, check);
    }

    public FullPasses mode(ChangelogMode mode) {
        return new FullPasses(interval, from, range, mode, maxDeleteRatio, stateTtl, check);
    }

    public FullPasses maxDeleteRatio(double ratio) {
        return new FullPasses(interval, from, range, mode, ratio, stateTtl, check);
    }

    public FullPasses stateTtl(Duration ttl) {
        return new FullPasses(interval, from, range, mode, maxDeleteRatio, ttl, check);
    }

    /**
     * Deletes only the unseen keys that {@code check} (the platform's detail API) answers do not
     * exist, asked after the pass completed: a live record is then never deleted, however it was
     * updated while the pass ran ({@link PassChangelog}). Null: every unseen key is deleted.
     */
    public FullPasses withCheck(@Nullable DetailApiCheck check) {
        return new FullPasses(interval, from, range, mode, maxDeleteRatio, stateTtl, check);
    }

    /** The detail API that confirms each deletion, or null ({@link #withCheck}). */
    @Nullable
    public DetailApiCheck check() {
        return check;
    }

    public Duration interval() {
        return interval;
    }

    public ChangelogMode mode() {
        return mode;
    }

    public double maxDeleteRatio() {
        return maxDeleteRatio;
    }

    public Duration stateTtl() {
        return stateTtl;
    }

    /** What the enumerator needs. */
    @Internal
    public PassPlan plan() {
        return new PassPlan(interval, from == null ? null : from.toEpochMilli(), range);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FullPasses other
                && other.interval.equals(interval)
                && Objects.equals(other.from, from)
                && Objects.equals(other.range, range)
                && other.mode == mode
                && other.maxDeleteRatio == maxDeleteRatio
                && other.stateTtl.equals(stateTtl)
                && Objects.equals(other.check, check);
    }

    @Override
    public int hashCode() {
        return Objects.hash(interval, from, range, mode, maxDeleteRatio, stateTtl, check);
    }

    @Override
    public String toString() {
        return "FullPasses{every "
                + interval
                + ", from "
                + from
                + ", range "
                + range
                + ", "
                + mode.optionValue()
                + ", max delete ratio "
                + maxDeleteRatio
                + ", state ttl "
                + stateTtl
                + (check == null ? "" : ", checked by " + check.endpoint().name())
                + "}";
    }
}
