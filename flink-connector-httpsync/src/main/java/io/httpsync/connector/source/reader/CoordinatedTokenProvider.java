package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A reader's tokens, borrowed from the enumerator, which holds the job's one token per tenant (see
 * {@code TokenCoordinator}): this provider fetches nothing itself. A token it lacks (none yet, past
 * its time, or refused by the platform) becomes a {@link TokenRequestEvent} for the enumerator; the
 * {@link TokenEvent} that answers it completes the waiting futures. The token is then used for as
 * long as the enumerator said.
 *
 * <p><b>Threads.</b> {@link #token} and {@link #invalidate} are called by the page fetcher from any
 * thread (its I/O and timer threads) and never block: they only queue a request and wake the
 * reader. Source events may be sent only from the reader's mailbox thread, so the reader sends the
 * queued requests ({@link #drainRequests}) from {@code pollNext}, woken by {@link
 * #requestsWaiting}, and hands the answers in ({@link #onAnswer}) from {@code handleSourceEvents}.
 * The answers complete the futures on a thread of this provider, not on the mailbox thread: what
 * depends on a token (rendering, rate limiting, sending) must not run in the mailbox. Thread-safe;
 * a tenant has at most one request in flight.
 */
@Internal
public final class CoordinatedTokenProvider implements TokenProvider, AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** A token and when to stop using it, on the {@link #nanoClock}. */
    private record Held(String value, long refreshAtNanos) {}

    private final Map<String, CompletableFuture<Held>> byTenant = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<TokenRequestEvent> outbox = new ConcurrentLinkedQueue<>();

    /** Completed when a request is queued; replaced by {@link #requestsWaiting} once done. */
    private final AtomicReference<CompletableFuture<Void>> queued =
            new AtomicReference<>(new CompletableFuture<>());

    private final ExecutorService completions;
    private final LongSupplier nanoClock;
    private volatile boolean closed;

    public CoordinatedTokenProvider() {
        this(System::nanoTime);
    }

    CoordinatedTokenProvider(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        int instance = INSTANCES.incrementAndGet();
        this.completions =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "httpsync-token-answers-" + instance);
                            t.setDaemon(true);
                            return t;
                        });
    }

    /**
     * The provider a reader of this endpoint uses, or null if the endpoint fetches no tokens (a
     * static one).
     */
    @Nullable
    public static CoordinatedTokenProvider forEndpoint(EndpointSpec spec) {
        return spec.usesToken() && spec.auth().tokenRequest() != null
                ? new CoordinatedTokenProvider()
                : null;
    }

    /**
     * Any thread. The tenant's token: at once if held and in time, else when the enumerator
     * answers.
     */
    @Override
    public CompletableFuture<String> token(Tenant tenant) {
        return held(tenant.id(), null).thenApply(Held::value);
    }

    /**
     * Any thread. Asks for a new token if {@code token} is still the one held (else another call
     * did already).
     */
    @Override
    public void invalidate(Tenant tenant, String token) {
        held(tenant.id(), token);
    }

    /**
     * The tenant's token future; a new request (carrying {@code rejected}) if there is none, it
     * failed, it is past its time, or it is the {@code rejected} one.
     */
    private CompletableFuture<Held> held(String tenant, @Nullable String rejected) {
        TokenRequestEvent[] started = new TokenRequestEvent[1];
        CompletableFuture<Held> current =
                byTenant.compute(
                        tenant,
                        (id, old) -> {
                            if (usable(old) && (rejected == null || !isHolding(old, rejected)))
                                return old;
                            started[0] =
                                    new TokenRequestEvent(
                                            id,
                                            rejected != null && isHolding(old, rejected)
                                                    ? rejected
                                                    : null);
                            return new CompletableFuture<>();
                        });
        if (started[0] != null) {
            if (closed)
                current.completeExceptionally(
                        new CancellationException("the source reader is closed"));
            outbox.add(started[0]);
            queued.get().complete(null);
        }
        return current;
    }

    private boolean usable(@Nullable CompletableFuture<Held> f) {
        if (f == null) return false;
        if (!f.isDone()) return true; // asked already: wait for that answer
        return !f.isCompletedExceptionally()
                && nanoClock.getAsLong() - f.join().refreshAtNanos() < 0;
    }

    private static boolean isHolding(@Nullable CompletableFuture<Held> f, String token) {
        return f != null
                && f.isDone()
                && !f.isCompletedExceptionally()
                && f.join().value().equals(token);
    }

    @Override
    public boolean canRefresh() {
        return true;
    }

    /** Mailbox thread. The requests queued since the last call, to send to the enumerator. */
    public List<TokenRequestEvent> drainRequests() {
        List<TokenRequestEvent> out = new ArrayList<>();
        for (TokenRequestEvent e; (e = outbox.poll()) != null; ) out.add(e);
        return out;
    }

    /**
     * Mailbox thread. Completes when requests are queued (at once if some are): the reader's
     * wake-up.
     */
    public CompletableFuture<Void> requestsWaiting() {
        CompletableFuture<Void> current = queued.get();
        if (current.isDone()) {
            queued.compareAndSet(current, new CompletableFuture<>());
            current = queued.get();
        }
        // a request queued before the swap completed the old future: look once more, so it is not
        // missed
        if (!outbox.isEmpty()) current.complete(null);
        return current;
    }

    /**
     * Mailbox thread. The enumerator's answer: completes the tenant's waiting future, on this
     * provider's thread.
     */
    public void onAnswer(TokenEvent answer) {
        CompletableFuture<Held> waiting = byTenant.get(answer.tenant());
        if (waiting == null || waiting.isDone()) return; // not asked by this reader (any more)
        long receivedAt = nanoClock.getAsLong();
        try {
            completions.execute(
                    () -> {
                        if (answer.token() != null) {
                            waiting.complete(
                                    new Held(
                                            answer.token(),
                                            receivedAt
                                                    + TimeUnit.MILLISECONDS.toNanos(
                                                            answer.validForMillis())));
                        } else {
                            waiting.completeExceptionally(
                                    new TokenFetchException(
                                            answer.failure(), null, answer.failureStatus()));
                        }
                    });
        } catch (RejectedExecutionException e) {
            waiting.completeExceptionally(new CancellationException("the source reader is closed"));
        }
    }

    /** Mailbox thread. Fails what still waits for a token and stops the completing thread. */
    @Override
    public void close() {
        closed = true;
        completions.shutdownNow();
        byTenant.values()
                .forEach(
                        f ->
                                f.completeExceptionally(
                                        new CancellationException("the source reader is closed")));
    }
}
