package io.httpsync.connector.source.split;

import io.httpsync.connector.source.PassMarker;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceSplit;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.Objects;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * One unit of work of the httpsync source: the records of one tenant whose update (or create) time
 * lies in the half-open window {@code [startMillis, endMillis)} (epoch milliseconds).
 *
 * <p>Immutable. The {@link #splitId()} depends only on tenant and window, so the same window keeps
 * its id through assignment, restore and retry, and two splits with the same id cover the same
 * records.
 *
 * <p>What the split carries besides its window:
 *
 * <ul>
 *   <li>{@link #position()}: the serialized paging position inside the window (page, offset, cursor
 *       or keyset, as the endpoint's pagination style writes it); {@code null} means reading has
 *       not started. A restore resumes here without requesting again the pages whose records were
 *       already emitted.
 *   <li>{@link #isUnsplittable()}: the enumerator already knows this window holds more records than
 *       the platform lets one page through, and it cannot split it further (it is at the minimum
 *       window width). The reader must not report it too large again: it emits what the platform
 *       lets it read, an exception event naming the window, the count the platform reports and its
 *       cap, and reports the window failed (a lasting cause): the sync position never passes it,
 *       and a bounded sync ends naming it. Nothing is skipped silently.
 *   <li>{@link #outcome()}: {@code null} while the reader is still working on the window; otherwise
 *       how the reader ended it (see {@link WindowOutcome}). A split with an outcome stays in the
 *       reader's state until the enumerator acknowledges the report, so it is neither lost nor read
 *       again.
 *   <li>{@link #failureStreak()}: {@code null} unless the window failed before; otherwise how often
 *       it failed in a row and why (see {@link FailureStreak}). The enumerator keeps it with the
 *       window through retries, checkpoints and restores.
 * </ul>
 *
 * <p>A split may instead carry a full-pass marker ({@link #passMarker()}, made by {@link
 * #carrying}): not a window to read but a marker the reader received from the enumerator and had
 * not emitted yet when it was snapshotted. The reader's state holds only splits, and a marker in
 * flight between the enumerator's checkpoint and the reader's emission is the enumerator's no
 * longer (it counts as sent), so it lives in the reader's state until emitted, like an outcome
 * until its ack; a restored reader emits it before anything else. Such a split never reaches the
 * enumerator.
 */
@Internal
public final class WindowSplit implements SourceSplit, Serializable {

    private static final long serialVersionUID = 1L;

    private final String tenant;
    private final long startMillis;
    private final long endMillis;
    @Nullable private final String position;
    private final boolean unsplittable;
    @Nullable private final WindowOutcome outcome;
    @Nullable private final FailureStreak failureStreak;
    @Nullable private final PassMarker passMarker;

    public WindowSplit(
            String tenant,
            long startMillis,
            long endMillis,
            @Nullable String position,
            boolean unsplittable,
            @Nullable WindowOutcome outcome,
            @Nullable FailureStreak failureStreak) {
        this(tenant, startMillis, endMillis, position, unsplittable, outcome, failureStreak, null);
    }

    private WindowSplit(
            String tenant,
            long startMillis,
            long endMillis,
            @Nullable String position,
            boolean unsplittable,
            @Nullable WindowOutcome outcome,
            @Nullable FailureStreak failureStreak,
            @Nullable PassMarker passMarker) {
        this.tenant = checkNotNull(tenant, "tenant");
        checkArgument(
                passMarker != null || startMillis < endMillis,
                "A window must not be empty: start %s is not before end %s (tenant %s)",
                startMillis,
                endMillis,
                tenant);
        this.startMillis = startMillis;
        this.endMillis = endMillis;
        this.position = position;
        this.unsplittable = unsplittable;
        this.outcome = outcome;
        this.failureStreak = failureStreak;
        this.passMarker = passMarker;
    }

    /**
     * A split that carries a full-pass marker a reader received and has not emitted yet (its tenant
     * and its pass's range as window), to be kept in the reader's state.
     */
    public static WindowSplit carrying(PassMarker marker) {
        checkNotNull(marker, "marker");
        return new WindowSplit(
                marker.tenant(),
                marker.rangeStartMillis(),
                marker.rangeEndMillis(),
                null,
                false,
                null,
                null,
                marker);
    }

    /** A window that has not been read yet. */
    public static WindowSplit of(String tenant, long startMillis, long endMillis) {
        return new WindowSplit(tenant, startMillis, endMillis, null, false, null, null);
    }

    /** The stable id of a window; {@link #splitId()} of every split of this window. */
    public static String idOf(String tenant, long startMillis, long endMillis) {
        return tenant + ":[" + startMillis + "," + endMillis + ")";
    }

    @Override
    public String splitId() {
        return passMarker == null
                ? idOf(tenant, startMillis, endMillis)
                : "pass-marker:"
                        + passMarker.kind()
                        + ":"
                        + tenant
                        + ":"
                        + passMarker.passStartMillis()
                        + ":"
                        + passMarker.reader();
    }

    /**
     * The full-pass marker this split carries instead of a window ({@link #carrying}), or null for
     * a window.
     */
    @Nullable
    public PassMarker passMarker() {
        return passMarker;
    }

    public String tenant() {
        return tenant;
    }

    public long startMillis() {
        return startMillis;
    }

    public long endMillis() {
        return endMillis;
    }

    public long widthMillis() {
        return endMillis - startMillis;
    }

    @Nullable
    public String position() {
        return position;
    }

    public boolean isUnsplittable() {
        return unsplittable;
    }

    @Nullable
    public WindowOutcome outcome() {
        return outcome;
    }

    @Nullable
    public FailureStreak failureStreak() {
        return failureStreak;
    }

    /**
     * True if every record of the window was emitted and the enumerator has not acknowledged it
     * yet.
     */
    public boolean isFinished() {
        return outcome != null && outcome.kind() == WindowOutcome.Kind.FINISHED;
    }

    /**
     * True if the reader is done with this split and keeps it only until the enumerator
     * acknowledges its report.
     */
    public boolean isAwaitingAck() {
        return outcome != null;
    }

    public WindowSplit withPosition(@Nullable String newPosition) {
        return new WindowSplit(
                tenant, startMillis, endMillis, newPosition, unsplittable, outcome, failureStreak);
    }

    public WindowSplit asUnsplittable() {
        return new WindowSplit(
                tenant, startMillis, endMillis, position, true, outcome, failureStreak);
    }

    public WindowSplit withOutcome(@Nullable WindowOutcome newOutcome) {
        return new WindowSplit(
                tenant, startMillis, endMillis, position, unsplittable, newOutcome, failureStreak);
    }

    public WindowSplit asFinished() {
        return withOutcome(WindowOutcome.finished());
    }

    public WindowSplit withFailureStreak(@Nullable FailureStreak newStreak) {
        return new WindowSplit(
                tenant, startMillis, endMillis, position, unsplittable, outcome, newStreak);
    }

    /**
     * The same window, marker and failure streak, not started and without outcome: what the
     * enumerator hands out again.
     */
    public WindowSplit fresh() {
        return new WindowSplit(
                tenant, startMillis, endMillis, null, unsplittable, null, failureStreak);
    }

    /** True if both splits are about the same records (same id), whatever their progress. */
    public boolean sameWindow(WindowSplit other) {
        return tenant.equals(other.tenant)
                && startMillis == other.startMillis
                && endMillis == other.endMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WindowSplit)) {
            return false;
        }
        WindowSplit that = (WindowSplit) o;
        return sameWindow(that)
                && Objects.equals(passMarker, that.passMarker)
                && unsplittable == that.unsplittable
                && Objects.equals(position, that.position)
                && Objects.equals(outcome, that.outcome)
                && Objects.equals(failureStreak, that.failureStreak);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                tenant,
                startMillis,
                endMillis,
                position,
                unsplittable,
                outcome,
                failureStreak,
                passMarker);
    }

    @Override
    public String toString() {
        if (passMarker != null) return "WindowSplit{" + splitId() + "}";
        return "WindowSplit{"
                + splitId()
                + (position == null ? "" : ", position=" + position)
                + (unsplittable ? ", unsplittable" : "")
                + (outcome == null ? "" : ", outcome=" + outcome)
                + (failureStreak == null ? "" : ", failures=" + failureStreak.failures())
                + '}';
    }
}
