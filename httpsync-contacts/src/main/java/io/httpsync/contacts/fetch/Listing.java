package io.httpsync.contacts.fetch;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One list API of a platform read to its end through the connector's {@link PageFetcher}: tokens
 * (shared by the platform's APIs), retries, error classification and the API's rate-limit buckets:
 * the per-corp ones its own, the shared ones (per IP, per app) drawn from {@link SharedBudgets}
 * with every other API and corp of the process (or, with the redis backend, of every process). A
 * listing has no time window; the fetcher's window is a fixed placeholder the request templates do
 * not use.
 *
 * <p>Thread-safe: {@link #all} may be called from any thread, any number of times at once; its
 * future completes on a thread of the page fetcher, so its dependents must not block.
 */
@Internal
final class Listing implements AutoCloseable {
    /** The longest a listing (all its pages) may take. */
    static final Duration TIMEOUT = Duration.ofMinutes(15);

    private final PageFetcher fetcher;
    private final HierarchicalRateLimiter limiter;
    private final String what;

    /**
     * @param budgets where the API's shared buckets (per IP, per app) are kept, shared with the
     *     platform's other APIs and the corps of the process
     */
    Listing(
            Map<String, String> options,
            TokenProvider tokens,
            FetchListener listener,
            SharedBudgets budgets) {
        EndpointSpec spec = EndpointSpec.fromOptions(options);
        this.limiter =
                HierarchicalRateLimiter.sharedIn(
                        spec.rateLimits(), budgets.buckets(), budgets.instances());
        this.fetcher = new PageFetcher(spec, limiter, listener, Clock.systemUTC(), tokens);
        this.what = spec.name();
    }

    /**
     * Every record the API lists for the tenant (a per-request copy of the corp's tenant), page
     * after page; fails with a {@link ListingFailedException} naming the API and {@code about} (the
     * department or user asked for).
     */
    CompletableFuture<List<JsonNode>> all(Tenant tenant, String about) {
        CompletableFuture<List<JsonNode>> result = new CompletableFuture<>();
        next(tenant, about, fetcher.pagination().first(), new ArrayList<>(), result);
        // retries and rate-limit waits are bounded by the connector; this bounds the listing as a
        // whole, so that a
        // corp's run ends (incomplete) whatever happens to one of its requests
        return result.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(
                        e -> {
                            Throwable cause =
                                    e instanceof CompletionException && e.getCause() != null
                                            ? e.getCause()
                                            : e;
                            return cause instanceof TimeoutException
                                    ? CompletableFuture.failedFuture(
                                            new ListingFailedException(
                                                    what,
                                                    about,
                                                    what
                                                            + " of "
                                                            + about
                                                            + " for corp '"
                                                            + tenant.id()
                                                            + "' did not complete within "
                                                            + TIMEOUT.toMinutes()
                                                            + " minutes",
                                                    null))
                                    : CompletableFuture.failedFuture(cause);
                        });
    }

    private void next(
            Tenant tenant,
            String about,
            PagePosition position,
            List<JsonNode> records,
            CompletableFuture<List<JsonNode>> result) {
        fetcher.fetch(tenant, 0, 1, position)
                .whenComplete(
                        (page, error) -> {
                            if (error != null) {
                                Throwable cause =
                                        error instanceof CompletionException
                                                        && error.getCause() != null
                                                ? error.getCause()
                                                : error;
                                result.completeExceptionally(
                                        new ListingFailedException(
                                                what,
                                                about,
                                                what
                                                        + " of "
                                                        + about
                                                        + " for corp '"
                                                        + tenant.id()
                                                        + "' did not complete: "
                                                        + cause.getMessage(),
                                                cause));
                                return;
                            }
                            records.addAll(page.records());
                            if (page.splitRequired() || page.capReachedAt().isPresent()) {
                                result.completeExceptionally(
                                        new ListingFailedException(
                                                what,
                                                about,
                                                what
                                                        + " of "
                                                        + about
                                                        + " for corp '"
                                                        + tenant.id()
                                                        + "' stopped at a paging cap: "
                                                        + page,
                                                null));
                            } else if (page.next().isPresent()) {
                                next(tenant, about, page.next().get(), records, result);
                            } else {
                                result.complete(records);
                            }
                        });
    }

    /** The one record a detail API answers with. */
    CompletableFuture<JsonNode> one(Tenant tenant, String about) {
        return all(tenant, about)
                .thenApply(
                        list -> {
                            if (list.size() != 1) {
                                throw new CompletionException(
                                        new ListingFailedException(
                                                what,
                                                about,
                                                what
                                                        + " of "
                                                        + about
                                                        + " for corp '"
                                                        + tenant.id()
                                                        + "' answered "
                                                        + list.size()
                                                        + " records instead of one",
                                                null));
                            }
                            return list.get(0);
                        });
    }

    @Override
    public void close() throws IOException {
        fetcher.close();
        // gives back the shared worker, concurrency counters and Redis connection
        limiter.close();
    }

    /**
     * A listing that did not complete: the corp's run is incomplete. Names the API and what was
     * asked about (the department or user); the message has no secret.
     */
    static final class ListingFailedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String api;
        private final String about;

        ListingFailedException(
                String api, String about, String message, @Nullable Throwable cause) {
            super(message, cause);
            this.api = api;
            this.about = about;
        }

        /** The API's name, e.g. {@code dingtalk/user-list}. */
        String api() {
            return api;
        }

        /** What the listing asked about: the department tree, a department, a user. */
        String about() {
            return about;
        }
    }
}
