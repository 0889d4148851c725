package io.httpsync.connector.http;

import io.httpsync.connector.auth.RequestSigner;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.ExpiresInUnit;
import io.httpsync.connector.endpoint.JsonPointers;
import io.httpsync.connector.endpoint.JsonStringDocuments;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.endpoint.RequestTemplate;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.TimeFormat;
import io.httpsync.connector.endpoint.template.Placeholders;
import io.httpsync.connector.endpoint.template.TemplateVariables;
import io.httpsync.connector.ratelimit.RateLimiter;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.annotation.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tokens fetched from a token endpoint ({@code auth.token.*}), cached per tenant. A token is
 * fetched again when it is within {@code auth.token.refresh-margin} of expiry (at most half its
 * lifetime before), when it was invalidated after a token-expired answer, or when the last fetch
 * failed. Concurrent callers of one tenant share one in-flight fetch. Never blocks: the fetch is an
 * asynchronous request over the {@link TokenTransport}; callers get futures.
 *
 * <p><b>Rotating refresh tokens</b> ({@code auth.token.refresh-token-path}): an answer's new
 * refresh token replaces the tenant property {@code auth.token.refresh-token-property} in the
 * tenant's next token request. A tenant has at most one fetch in flight, so a single-use refresh
 * token is presented once by this provider. The newest refresh tokens can be read ({@link
 * #refreshTokens}) and handed to a new provider ({@link #useRefreshTokens}), which is how the
 * source keeps them in its checkpoints. They are secrets: never logged, and redacted from error
 * messages.
 *
 * <p><b>Logins in several requests</b> ({@code auth.token.steps}): the steps run one after the
 * other before the token request, each reading values from its answer for the requests after it.
 * The whole chain runs on each fetch (a refresh, an invalidated token), so the values of steps are
 * never older than the token; they are secrets and redacted from error messages like the tenant's.
 *
 * <p><b>Budgeted token requests</b> (a {@link RateLimiter} given): a platform that counts token
 * requests against a limit shared with its data requests (DingTalk's per-IP limit over all APIs)
 * bans a client that only budgets the data requests once it runs at that limit. Each request of a
 * login (steps and token request) then takes a permit of the tenant first, like a data request, and
 * gives it back when its answer (or failure) is in. The request is rendered once the permit is
 * granted, so that a timestamp it carries is not older than its sending. A caller waiting for a
 * token holds no permit ({@code PageFetcher} asks for the token before its permit), so this cannot
 * deadlock: the permit a token request waits for is only ever held by requests that end on their
 * own.
 *
 * <p>Thread-safe: every method may be called from any thread; answers are handled on the
 * transport's threads (or the limiter's, which only hand off).
 */
@Internal
public final class EndpointTokenProvider implements TokenProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 300;

    /** A token and when to stop handing it out (epoch millis of the provider's clock). */
    public record Issued(String value, long refreshAtMillis) {
        @Override
        public String toString() {
            return "Issued{value=******, refreshAtMillis=" + refreshAtMillis + "}";
        }
    }

    private final RequestTemplate request;
    private final JsonPointer tokenPath;
    private final String tokenPathText;
    private final JsonPointer expiresInPath;
    private final ExpiresInUnit expiresInUnit;
    private final Duration defaultTtl;
    private final Duration refreshMargin;
    private final TimeFormat timeFormat;
    private final ZoneId zone;
    private final TokenTransport transport;
    private final Clock clock;
    private final Consumer<String> onFetched;
    private final JsonPointer refreshTokenPath;
    private final String refreshTokenProperty;

    /** The documents answers carry as strings ({@code response.json-string-paths}). */
    private final JsonStringDocuments documents;

    /** The requests before the token request ({@code auth.token.steps}), in order. */
    private final List<EndpointSpec.TokenStep> steps;

    /** Signs the token request ({@code auth.token.signed}), or null. */
    private final RequestSigner signer;

    /** Takes a permit for each token request, or null: token requests are not budgeted. */
    @Nullable private final RateLimiter limiter;

    private final Map<String, CompletableFuture<Issued>> cache = new ConcurrentHashMap<>();

    /** The newest refresh token per tenant, where it differs from the tenant's property. */
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();

    public EndpointTokenProvider(
            EndpointSpec spec, TokenTransport transport, Clock clock, Consumer<String> onFetched) {
        this(spec, transport, clock, onFetched, null);
    }

    /**
     * @param limiter takes a permit of the tenant for each token request (see the class comment),
     *     or null: token requests go out at once, unbudgeted
     */
    public EndpointTokenProvider(
            EndpointSpec spec,
            TokenTransport transport,
            Clock clock,
            Consumer<String> onFetched,
            @Nullable RateLimiter limiter) {
        this.limiter = limiter;
        EndpointSpec.AuthSettings auth = spec.auth();
        this.request = auth.tokenRequest();
        this.steps = auth.tokenSteps();
        this.documents = new JsonStringDocuments(spec);
        this.tokenPathText = auth.tokenPath();
        this.tokenPath = JsonPointer.compile(tokenPathText);
        this.expiresInPath =
                auth.expiresInPath() == null ? null : JsonPointer.compile(auth.expiresInPath());
        this.expiresInUnit = auth.expiresInUnit();
        this.defaultTtl = auth.defaultTtl();
        this.refreshMargin = auth.refreshMargin();
        this.timeFormat = spec.timeFormat();
        this.zone = spec.timeZone();
        this.transport = transport;
        this.clock = clock;
        this.onFetched = onFetched;
        this.refreshTokenPath =
                auth.rotatesRefreshTokens() ? JsonPointer.compile(auth.refreshTokenPath()) : null;
        this.refreshTokenProperty = auth.refreshTokenProperty();
        this.signer =
                auth.tokenRequestSigned()
                        ? auth.signer().signer(auth.signerSecretProperty())
                        : null;
    }

    @Override
    public CompletableFuture<String> token(Tenant tenant) {
        return issued(tenant).thenApply(Issued::value);
    }

    /**
     * The tenant's current token with the time to stop using it; fetched if there is none (as
     * {@link #token}).
     */
    public CompletableFuture<Issued> issued(Tenant tenant) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Issued>[] started = new CompletableFuture[1];
        CompletableFuture<Issued> current =
                cache.compute(
                        tenant.id(),
                        (id, old) -> {
                            if (usable(old)) return old;
                            started[0] = new CompletableFuture<>();
                            return started[0];
                        });
        // the fetch starts outside compute(): its callbacks may run at once and must not re-enter
        // the map
        if (started[0] != null) fetch(tenant, started[0]);
        return current;
    }

    /**
     * The newest refresh token of every tenant that got one from the token endpoint (or {@link
     * #useRefreshTokens}), by tenant id. Empty unless {@code auth.token.refresh-token-path} is set.
     * Secrets: never log them.
     */
    public Map<String, String> refreshTokens() {
        return new TreeMap<>(refreshTokens);
    }

    /**
     * Makes the next token requests of these tenants present these refresh tokens instead of the
     * tenants' property (e.g. the newest ones of a restored checkpoint). Call before the first
     * {@link #token} of these tenants.
     */
    public void useRefreshTokens(Map<String, String> newest) {
        if (refreshTokenPath == null && !newest.isEmpty()) {
            throw new IllegalStateException(
                    "refresh tokens given, but option 'auth.token.refresh-token-path' is not set");
        }
        refreshTokens.putAll(newest);
    }

    /**
     * The tenant as its next token request sees it: with the newest refresh token, if one replaced
     * its property.
     */
    private Tenant withNewestRefreshToken(Tenant tenant) {
        String newest = refreshTokens.get(tenant.id());
        if (newest == null) return tenant;
        Map<String, String> properties = new TreeMap<>(tenant.properties());
        properties.put(refreshTokenProperty, newest);
        return Tenant.of(tenant.id(), properties);
    }

    private boolean usable(CompletableFuture<Issued> f) {
        if (f == null) return false;
        if (!f.isDone()) return true;
        return !f.isCompletedExceptionally() && clock.millis() < f.join().refreshAtMillis();
    }

    @Override
    public void invalidate(Tenant tenant, String token) {
        cache.computeIfPresent(
                tenant.id(),
                (id, f) ->
                        f.isDone()
                                        && !f.isCompletedExceptionally()
                                        && f.join().value().equals(token)
                                ? null
                                : f);
    }

    @Override
    public boolean canRefresh() {
        return true;
    }

    private void fetch(Tenant configured, CompletableFuture<Issued> promise) {
        // the tenant with its newest refresh token, also to redact that token from messages
        Tenant tenant = withNewestRefreshToken(configured);
        long now = clock.millis();
        Login login = new Login(tenant, now);
        // a login in several requests runs its steps one after the other, each answer's values
        // going to the next request; the chain is run whole on every fetch, so no value of a
        // step outlives the token it led to
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (EndpointSpec.TokenStep step : steps)
            chain = chain.thenCompose(ignored -> login.step(step));
        chain.thenCompose(ignored -> login.send(null, request, signer))
                .thenApply(
                        answer -> {
                            Issued token = read(login, answer, now);
                            // before the callers go on, so counts include this fetch
                            onFetched.accept(tenant.id());
                            return token;
                        })
                .whenComplete(
                        (token, error) -> {
                            if (error == null) promise.complete(token);
                            else promise.completeExceptionally(unwrap(error));
                        });
    }

    /**
     * One run of the token requests for a tenant: the values the steps read so far, to fill later
     * templates and to redact from messages. Its requests run one after the other (each callback
     * starts the next), so it is confined to one thread at a time.
     */
    private final class Login {
        final Tenant tenant;
        final long now;
        final Map<String, String> values = new TreeMap<>();

        Login(Tenant tenant, long now) {
            this.tenant = tenant;
            this.now = now;
        }

        CompletableFuture<Void> step(EndpointSpec.TokenStep step) {
            return send(step.name(), step.request(), null)
                    .thenAccept(answer -> readStep(step, answer));
        }

        /**
         * Renders and sends a request of the login under a permit of the tenant (if budgeted);
         * {@code step} null for the token request.
         */
        CompletableFuture<TokenTransport.Answer> send(
                String step, RequestTemplate template, RequestSigner signWith) {
            if (limiter == null) return sendNow(step, template, signWith);
            return failingAs(limiter.acquire(tenant.id()), step, "no permit to send")
                    .thenCompose(
                            granted -> {
                                CompletableFuture<TokenTransport.Answer> sent =
                                        sendNow(step, template, signWith);
                                sent.whenComplete((a, e) -> limiter.release(tenant.id()));
                                return sent;
                            });
        }

        private CompletableFuture<TokenTransport.Answer> sendNow(
                String step, RequestTemplate template, RequestSigner signWith) {
            RenderedRequest rendered;
            try {
                // a budgeted request may have waited for its permit: its time is its sending's
                rendered =
                        template.render(
                                TemplateVariables.forTokenRequest(
                                        tenant,
                                        limiter == null ? now : clock.millis(),
                                        timeFormat,
                                        zone,
                                        values));
                if (signWith != null) signWith.sign(rendered.params(), tenant);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(failure(this, step, e.getMessage(), e, -1));
            }
            CompletableFuture<TokenTransport.Answer> sent;
            try {
                sent = transport.send(rendered);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            return failingAs(sent, step, "no answer");
        }

        /** {@code f}, failing with a failure of the login that says {@code what} went wrong. */
        private <T> CompletableFuture<T> failingAs(
                CompletableFuture<T> f, String step, String what) {
            return f.handle(
                    (value, error) -> {
                        if (error != null)
                            throw failure(
                                    this, step, what + " (" + rootMessage(error) + ")", error, -1);
                        return value;
                    });
        }

        void readStep(EndpointSpec.TokenStep step, TokenTransport.Answer answer) {
            JsonNode body = parse(this, step.name(), answer);
            Map<String, String> read = new TreeMap<>();
            for (Map.Entry<String, String> e : step.valuePaths().entrySet()) {
                JsonNode v =
                        body == null
                                ? null
                                : JsonPointers.present(body, JsonPointer.compile(e.getValue()));
                if (answer.status() / 100 != 2
                        || v == null
                        || !v.isValueNode()
                        || v.asText().isEmpty()) {
                    throw failure(
                            this,
                            step.name(),
                            "HTTP "
                                    + answer.status()
                                    + " without value '"
                                    + e.getKey()
                                    + "' at '"
                                    + e.getValue()
                                    + "': "
                                    + abbreviate(masked(body).toString()),
                            null,
                            answer.status());
                }
                read.put(Placeholders.STEP_PREFIX + step.name() + "." + e.getKey(), v.asText());
            }
            values.putAll(read);
        }

        /** The text without the tenant's secrets and without any value a step read. */
        String redact(String text) {
            String out = tenant.redact(text);
            for (String v : values.values()) {
                if (!v.isEmpty()) out = out.replace(v, "******");
            }
            return out;
        }
    }

    private Issued read(Login login, TokenTransport.Answer answer, long fetchedAt) {
        Tenant tenant = login.tenant;
        JsonNode body = parse(login, null, answer);
        JsonNode token = body == null ? null : JsonPointers.present(body, tokenPath);
        if (answer.status() / 100 != 2
                || token == null
                || !token.isValueNode()
                || token.asText().isEmpty()) {
            throw failure(
                    login,
                    null,
                    "HTTP "
                            + answer.status()
                            + " without a token at '"
                            + tokenPathText
                            + "': "
                            + abbreviate(masked(body).toString()),
                    null,
                    answer.status());
        }
        long expiresAt = fetchedAt + defaultTtl.toMillis();
        JsonNode expires = expiresInPath == null ? null : JsonPointers.present(body, expiresInPath);
        if (expires != null && expires.canConvertToLong())
            expiresAt = expiresInUnit.expiresAt(fetchedAt, expires.asLong());
        else if (expires != null && expires.isTextual() && expires.asText().matches("\\d+")) {
            expiresAt = expiresInUnit.expiresAt(fetchedAt, Long.parseLong(expires.asText()));
        }
        long margin = Math.min(refreshMargin.toMillis(), Math.max(0, (expiresAt - fetchedAt) / 2));
        if (refreshTokenPath != null) {
            // before the token is handed out, so that whoever sees the token also sees the refresh
            // token it came with;
            // an answer without one leaves the current one in use (the platform did not rotate it)
            JsonNode refresh = JsonPointers.present(body, refreshTokenPath);
            if (refresh != null && refresh.isValueNode() && !refresh.asText().isEmpty())
                refreshTokens.put(tenant.id(), refresh.asText());
        }
        return new Issued(token.asText(), expiresAt - margin);
    }

    /** The body with every value of a secret-looking field masked, for an error message. */
    private static JsonNode masked(JsonNode body) {
        if (body == null || !body.isObject()) return body == null ? JSON.nullNode() : body;
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        maskIn(copy);
        return copy;
    }

    private static void maskIn(ObjectNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (Tenant.isSecretKey(e.getKey()) && e.getValue().isValueNode())
                e.setValue(JSON.getNodeFactory().textNode("******"));
            else if (e.getValue() instanceof ObjectNode child) maskIn(child);
        }
    }

    /** The answer's JSON body, or null for an empty one; fails if it is not JSON. */
    private JsonNode parse(Login login, String step, TokenTransport.Answer answer) {
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (Exception e) {
            throw failure(
                    login,
                    step,
                    "HTTP " + answer.status() + " with a body that is not JSON",
                    null,
                    answer.status());
        }
        // the documents the platform carries as strings are declared once for every answer of
        // the endpoint (response.json-string-paths): a token answer's pointers may read inside
        // them too, and one that is absent from a token answer is skipped
        if (body != null && !documents.isEmpty()) {
            try {
                documents.decode(body);
            } catch (ResponseFormatException e) {
                throw failure(login, step, e.getMessage(), null, answer.status());
            }
        }
        return body;
    }

    /**
     * A failure of the token request ({@code step} null) or of a step before it, its message
     * without secrets.
     */
    private static TokenFetchException failure(
            Login login, String step, String why, Throwable cause, int answerStatus) {
        return new TokenFetchException(
                "token endpoint for tenant '"
                        + login.tenant.id()
                        + "'"
                        + (step == null ? "" : ", step '" + step + "' of 'auth.token.steps'")
                        + ": "
                        + login.redact(why == null ? "" : why),
                cause,
                answerStatus);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static String abbreviate(String s) {
        return s.length() <= MAX_BODY_IN_MESSAGE ? s : s.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    /**
     * Forgets the tenant's token and newest refresh token (its credentials changed): the next
     * {@link #token} fetches with the tenant's properties as given.
     */
    public void forget(String tenantId) {
        cache.remove(tenantId);
        refreshTokens.remove(tenantId);
    }

    /** How many tenants have a fetch in flight. Any thread. */
    public int waiting() {
        int n = 0;
        for (CompletableFuture<Issued> f : cache.values()) if (!f.isDone()) n++;
        return n;
    }
}
