package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.RequestFailedException;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * One listing of what a parent (a parent record's id, a lookup key) has on a child endpoint, page
 * after page with the endpoint's own pagination: decides what comes after each answer (the next
 * page, the end, a restart from the first page when the cursor expired, or a failure) and which
 * records are new (a listing that starts again reads records it already gave). Shared by the
 * DataStream/config-file dependent endpoints ({@link DependentFetchOperator}) and the SQL lookup of
 * a list API, so both page, restart and fail alike.
 *
 * <p>Thread contract: not thread-safe. A listing asks for its next page only after the previous one
 * answered, so its answers come one after another; the caller hands each to {@link #after} from
 * whichever thread it runs them on (the task thread, or the I/O thread that completed the page).
 */
@Internal
public final class ChildListing {
    private static final Logger LOG = LoggerFactory.getLogger(ChildListing.class);

    /** What comes after an answer. */
    public sealed interface Step {}

    /** Ask for this page next (the next page, or the first one again after a restart). */
    public record Next(PagePosition position) implements Step {}

    /** The listing is complete. */
    public record Done() implements Step {}

    /**
     * The listing failed: the platform's answer if there was one ({@code event}), else {@code why}.
     */
    public record Failed(@Nullable ExceptionEvent event, String why) implements Step {}

    private final String description;
    private final PagePosition first;
    private final boolean paged;
    private final List<String> cursorExpiredCodes;
    private final int maxRestarts;
    private final Set<String> given = new HashSet<>();
    private int restarts;

    /**
     * @param description names the endpoint and the parent, for the log
     * @param first the endpoint's first page
     * @param paged whether the listing follows the next pages (a list API) or stops after the first
     *     (a detail API)
     * @param cursorExpiredCodes the platform's codes for a cursor that expired
     * @param maxRestarts how often the listing may start again after its cursor expired
     */
    public ChildListing(
            String description,
            PagePosition first,
            boolean paged,
            List<String> cursorExpiredCodes,
            int maxRestarts) {
        this.description = description;
        this.first = first;
        this.paged = paged;
        this.cursorExpiredCodes = List.copyOf(cursorExpiredCodes);
        this.maxRestarts = maxRestarts;
    }

    public PagePosition first() {
        return first;
    }

    /**
     * What comes after the answer to {@code position}: a page, or the error the fetch failed with
     * (a {@link java.util.concurrent.CancellationException} is the caller's to handle first). The
     * page's records are the caller's to take (through {@link #isNew}) before it asks for the next
     * page.
     */
    public Step after(PagePosition position, @Nullable Page page, @Nullable Throwable error) {
        if (error != null) {
            Throwable cause = unwrap(error);
            ExceptionEvent e = cause instanceof RequestFailedException f ? f.event() : null;
            if (e != null
                    && paged
                    && e.platformCode() != null
                    && cursorExpiredCodes.contains(e.platformCode())
                    && !position.equals(first)
                    && restarts < maxRestarts) {
                restarts++;
                LOG.info(
                        "{}: the cursor expired (code {}); listing again from the first page (restart {} of {})",
                        description,
                        e.platformCode(),
                        restarts,
                        maxRestarts);
                return new Next(first);
            }
            return new Failed(e, String.valueOf(cause.getMessage()));
        }
        if (page.splitRequired() || page.capReachedAt().isPresent())
            return new Failed(
                    null,
                    "the listing holds more records than the platform lets one query page through ("
                            + page.end().description()
                            + "); records beyond it were not read");
        if (paged && page.next().isPresent()) return new Next(page.next().get());
        return new Done();
    }

    /**
     * Whether a record with this id was not given yet by this listing (a listing that starts again
     * reads them again); a record without an id is always new.
     */
    public boolean isNew(@Nullable String id) {
        return id == null || given.add(id);
    }

    /** The cause under the {@link CompletionException}s of a future. */
    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) c = c.getCause();
        return c;
    }
}
