package io.httpsync.connector.source.split;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.Locale;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Why a window failed, as the enumerator needs it to decide what happens next: a message for
 * people, a stable <em>cause</em> to recognise the same failure again, and whether the cause is
 * <em>transient</em>.
 *
 * <p>A transient cause says "not now" (the platform is overloaded, down or unreachable; its clock
 * has not reached the window yet): asking again later can succeed, so the window is retried with a
 * growing delay for as long as it takes. Any other cause says "not like this" (a refused parameter
 * or signature, an unknown error code, a body that is not the JSON the options describe, a record
 * that cannot be decoded): asking again gives the same answer, so a bounded sync ends when a window
 * keeps failing with it (see {@code SyncPlan#maxWindowFailures()}).
 *
 * <p>The cause is compared, never shown alone: for an answer it is the kind, HTTP status and
 * platform code (the platform's message may carry request ids or times); without one, the message
 * with its digits blanked out.
 *
 * @param reason what went wrong, for logs and the job's failure; must not contain secrets (it is
 *     logged and checkpointed)
 * @param cause a stable key: equal for failures with the same cause
 * @param transientCause whether asking again later can give another answer
 */
@Internal
public record WindowFailure(String reason, String cause, boolean transientCause)
        implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int MAX_CAUSE_LENGTH = 200;

    public WindowFailure {
        checkNotNull(reason, "reason");
        checkNotNull(cause, "cause");
    }

    /** A failure that asking again will not change, its cause derived from the reason. */
    public static WindowFailure lasting(String reason) {
        return new WindowFailure(reason, causeOf(reason), false);
    }

    /**
     * A failure that asking again later can overcome (e.g. the platform's clock has not reached the
     * window).
     */
    public static WindowFailure passing(String reason) {
        return new WindowFailure(reason, causeOf(reason), true);
    }

    /** The failure a request's exception event describes. */
    public static WindowFailure of(ExceptionEvent event) {
        String cause =
                event.httpStatus() < 0
                        ? event.kind() + ": " + causeOf(event.message())
                        : event.kind()
                                + ", HTTP "
                                + event.httpStatus()
                                + (event.platformCode() == null
                                        ? ""
                                        : ", code " + event.platformCode());
        return new WindowFailure(event.message(), cause, isTransient(event));
    }

    /**
     * Whether the last answer of a failed request said "not now": rate limited; no answer at all
     * (timeout, connection, I/O, a token endpoint out of reach); HTTP 5xx, 408 or 429; or a code
     * the options declare retryable ({@code error.retryable-codes}). A retryable 2xx answer without
     * a code (an HTML page, a truncated document) is not: a platform answering success with
     * something that is not the described JSON does so again.
     */
    static boolean isTransient(ExceptionEvent event) {
        if (event.kind() == ResponseKind.RATE_LIMITED) return true;
        if (event.kind() != ResponseKind.RETRYABLE) return false;
        int status = event.httpStatus();
        return status < 0
                || status >= 500
                || status == 408
                || status == 429
                || event.platformCode() != null;
    }

    /** The reason with digit runs blanked out (ids, times, ports) and its length bounded. */
    static String causeOf(String reason) {
        String c = reason.replaceAll("[0-9]+", "#").toLowerCase(Locale.ROOT);
        return c.length() <= MAX_CAUSE_LENGTH ? c : c.substring(0, MAX_CAUSE_LENGTH);
    }
}
