package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reader's side of the job's shared tokens, playing the enumerator: what the provider asks for
 * (one request per tenant however many pages wait, the rejected token only if it is still the one
 * held), how it is woken, and how the answers complete the waiting pages (off the calling thread,
 * for as long as the enumerator said).
 */
class CoordinatedTokenProviderTest {
    private static final Tenant SHOP = Tenant.of("shop-1");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final CoordinatedTokenProvider tokens = new CoordinatedTokenProvider(nanos::get);

    @AfterEach
    void close() {
        tokens.close();
    }

    private static String get(CompletableFuture<String> token) throws Exception {
        return token.get(5, TimeUnit.SECONDS);
    }

    @Test
    void pagesWaitingForATenantShareOneRequestAndItsAnswer() throws Exception {
        CompletableFuture<Void> wakeUp = tokens.requestsWaiting();
        assertThat(wakeUp).isNotDone();
        List<CompletableFuture<String>> pages =
                List.of(tokens.token(SHOP), tokens.token(SHOP), tokens.token(SHOP));
        assertThat(wakeUp).as("the reader is woken to send the request").isDone();
        assertThat(tokens.drainRequests()).containsExactly(new TokenRequestEvent("shop-1", null));
        assertThat(tokens.drainRequests()).isEmpty();
        assertThat(tokens.requestsWaiting()).isNotDone();
        assertThat(pages).noneMatch(CompletableFuture::isDone);

        AtomicReference<Thread> completedOn = new AtomicReference<>();
        CompletableFuture<String> first =
                pages.get(0).whenComplete((t, e) -> completedOn.set(Thread.currentThread()));
        tokens.onAnswer(TokenEvent.of("shop-1", "tok-1", 60_000));
        for (CompletableFuture<String> page : pages) assertThat(get(page)).isEqualTo("tok-1");
        get(first);
        assertThat(completedOn.get())
                .as("not the mailbox thread")
                .isNotEqualTo(Thread.currentThread());
        assertThat(get(tokens.token(SHOP))).isEqualTo("tok-1");
        assertThat(tokens.drainRequests()).as("a token at hand needs no request").isEmpty();
    }

    @Test
    void aTokenIsUsedForAsLongAsTheEnumeratorSaidThenAskedForAgain() throws Exception {
        tokens.token(SHOP);
        tokens.drainRequests();
        tokens.onAnswer(TokenEvent.of("shop-1", "tok-1", 60_000));
        assertThat(get(tokens.token(SHOP))).isEqualTo("tok-1");
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertThat(get(tokens.token(SHOP))).isEqualTo("tok-1");
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
        CompletableFuture<String> later = tokens.token(SHOP);
        assertThat(later).isNotDone();
        assertThat(tokens.drainRequests()).containsExactly(new TokenRequestEvent("shop-1", null));
    }

    @Test
    void aRejectedTokenIsReportedOnceAndOnlyWhileItIsTheOneHeld() throws Exception {
        tokens.token(SHOP);
        tokens.drainRequests();
        tokens.onAnswer(TokenEvent.of("shop-1", "tok-1", 60_000));
        get(tokens.token(SHOP));

        tokens.invalidate(SHOP, "tok-1");
        tokens.invalidate(SHOP, "tok-1"); // a second page refused with the same token
        CompletableFuture<String> next = tokens.token(SHOP);
        assertThat(tokens.drainRequests())
                .containsExactly(new TokenRequestEvent("shop-1", "tok-1"));
        tokens.onAnswer(TokenEvent.of("shop-1", "tok-2", 60_000));
        assertThat(get(next)).isEqualTo("tok-2");

        tokens.invalidate(SHOP, "tok-1"); // a late refusal of the old token
        assertThat(tokens.drainRequests()).isEmpty();
        assertThat(get(tokens.token(SHOP))).isEqualTo("tok-2");
    }

    @Test
    void aFailureAnswerFailsTheWaitingPagesAndTheNextPageAsksAgain() throws Exception {
        CompletableFuture<String> page = tokens.token(SHOP);
        tokens.drainRequests();
        tokens.onAnswer(
                TokenEvent.failed("shop-1", "token endpoint for tenant 'shop-1': HTTP 503"));
        assertThatThrownBy(() -> get(page))
                .hasRootCauseInstanceOf(TokenFetchException.class)
                .hasMessageContaining("token endpoint for tenant 'shop-1': HTTP 503");
        tokens.token(SHOP);
        assertThat(tokens.drainRequests()).containsExactly(new TokenRequestEvent("shop-1", null));
        tokens.onAnswer(TokenEvent.of("shop-2", "not-asked-for", 60_000)); // ignored
    }

    @Test
    void aRequestQueuedFromAnotherThreadWakesTheReader() throws Exception {
        for (int i = 0; i < 200; i++) {
            Tenant tenant = Tenant.of("t-" + i);
            CompletableFuture<Void> wakeUp = tokens.requestsWaiting();
            Thread io = new Thread(() -> tokens.token(tenant));
            io.start();
            wakeUp.get(5, TimeUnit.SECONDS);
            io.join();
            assertThat(tokens.drainRequests()).hasSize(1);
        }
    }

    @Test
    void closingFailsThePagesStillWaiting() {
        CompletableFuture<String> page = tokens.token(SHOP);
        tokens.close();
        assertThatThrownBy(() -> get(page)).hasRootCauseInstanceOf(CancellationException.class);
        assertThat(tokens.token(Tenant.of("other"))).isCompletedExceptionally();
    }
}
