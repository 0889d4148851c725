package io.httpsync.connector.source.split;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.Objects;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * How a reader ended its work on a {@link WindowSplit}: the one form a window's outcome has from
 * the reader's fetcher thread, which concludes it from a page, through the split state in which the
 * record emitter keeps it, to the report the enumerator receives (the split itself, carrying its
 * outcome). It stays with the split in the reader's state until the enumerator acknowledges it.
 *
 * <p>Every outcome hands responsibility for the window back to the enumerator through a source
 * event. An event that is in flight when a checkpoint is taken reaches the enumerator after its
 * snapshot but leaves the reader before the reader's snapshot; without keeping the outcome in the
 * reader's state, a restore from that checkpoint would lose the window. So the reader keeps the
 * split with its outcome until the ack, and re-sends the report after a restore (the enumerator
 * ignores reports it has already handled).
 *
 * <ul>
 *   <li>{@link Kind#FINISHED}: every record of the window was emitted.
 *   <li>{@link Kind#TOO_LARGE}: the window holds more records than the platform lets one page
 *       through; the records updated in {@code [coveredFromMillis, end)} (if known) were emitted,
 *       the enumerator splits the rest.
 *   <li>{@link Kind#FAILED}: a request exhausted its retries under the record-and-retry policy, or
 *       the window cannot be finished yet; the enumerator retries the window later and the sync
 *       position cannot pass it until then. The {@link WindowFailure} says why, and whether the
 *       cause is transient.
 *   <li>{@link Kind#TOO_EARLY}: every record the platform listed was emitted, but the platform's
 *       clock had only reached {@code platformReachedMillis} when the window was read, short of its
 *       end plus the lag: records the platform stamps later may still fall into it. The enumerator
 *       commits the part the platform had passed and reads the rest again as the platform's clock
 *       reaches it.
 * </ul>
 */
@Internal
public final class WindowOutcome implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * The kinds of outcome; the codes are part of the serialized split format and must never
     * change.
     */
    public enum Kind {
        FINISHED(1),
        TOO_LARGE(2),
        FAILED(3),
        TOO_EARLY(4);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Kind ofCode(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("Unknown window outcome code " + code);
        }
    }

    private static final WindowOutcome FINISHED =
            new WindowOutcome(Kind.FINISHED, 0L, null, null, 0L);

    private final Kind kind;
    private final long knownTotal;
    @Nullable private final Long coveredFromMillis;
    @Nullable private final WindowFailure failure;
    private final long platformReachedMillis;

    private WindowOutcome(
            Kind kind,
            long knownTotal,
            @Nullable Long coveredFromMillis,
            @Nullable WindowFailure failure,
            long platformReachedMillis) {
        this.kind = kind;
        this.knownTotal = knownTotal;
        this.coveredFromMillis = coveredFromMillis;
        this.failure = failure;
        this.platformReachedMillis = platformReachedMillis;
    }

    public static WindowOutcome finished() {
        return FINISHED;
    }

    /**
     * @param knownTotal the number of records the platform reports for the window, or -1 when it
     *     reports none (paging stopped at the deep-paging cap without a total)
     * @param coveredFromMillis null if no record of the window was emitted; otherwise the update
     *     time of the oldest record emitted, all records updated in {@code [coveredFromMillis,
     *     end)} having been emitted
     */
    public static WindowOutcome tooLarge(long knownTotal, @Nullable Long coveredFromMillis) {
        checkArgument(
                knownTotal >= -1,
                "knownTotal must be a count or -1 (unknown) but was %s",
                knownTotal);
        return new WindowOutcome(Kind.TOO_LARGE, knownTotal, coveredFromMillis, null, 0L);
    }

    /**
     * A failure that asking again will not change ({@link WindowFailure#lasting}).
     *
     * @param reason why the window failed; must not contain secrets (it is logged and checkpointed)
     */
    public static WindowOutcome failed(String reason) {
        return failed(WindowFailure.lasting(checkNotNull(reason, "reason")));
    }

    public static WindowOutcome failed(WindowFailure failure) {
        return new WindowOutcome(Kind.FAILED, 0L, null, checkNotNull(failure, "failure"), 0L);
    }

    /**
     * @param platformReachedMillis the platform's time (by its clock) when the window's reading
     *     began, a lower bound
     */
    public static WindowOutcome tooEarly(long platformReachedMillis) {
        return new WindowOutcome(Kind.TOO_EARLY, 0L, null, null, platformReachedMillis);
    }

    public Kind kind() {
        return kind;
    }

    /** Only meaningful for {@link Kind#TOO_LARGE}; -1 if the platform reported no total. */
    public long knownTotal() {
        return knownTotal;
    }

    /** Only meaningful for {@link Kind#TOO_LARGE}. */
    @Nullable
    public Long coveredFromMillis() {
        return coveredFromMillis;
    }

    /** Only meaningful for {@link Kind#FAILED}. */
    @Nullable
    public String failureReason() {
        return failure == null ? null : failure.reason();
    }

    /** Only meaningful for {@link Kind#FAILED}. */
    @Nullable
    public WindowFailure failure() {
        return failure;
    }

    /** Only meaningful for {@link Kind#TOO_EARLY}. */
    public long platformReachedMillis() {
        return platformReachedMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WindowOutcome)) {
            return false;
        }
        WindowOutcome that = (WindowOutcome) o;
        return kind == that.kind
                && knownTotal == that.knownTotal
                && Objects.equals(coveredFromMillis, that.coveredFromMillis)
                && Objects.equals(failure, that.failure)
                && platformReachedMillis == that.platformReachedMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, knownTotal, coveredFromMillis, failure, platformReachedMillis);
    }

    @Override
    public String toString() {
        switch (kind) {
            case TOO_LARGE:
                return "TOO_LARGE(knownTotal="
                        + knownTotal
                        + ", coveredFrom="
                        + coveredFromMillis
                        + ")";
            case TOO_EARLY:
                return "TOO_EARLY(platformReached=" + platformReachedMillis + ")";
            case FAILED:
                return "FAILED("
                        + failure.reason()
                        + (failure.transientCause() ? ", transient" : "")
                        + ")";
            default:
                return kind.name();
        }
    }
}
