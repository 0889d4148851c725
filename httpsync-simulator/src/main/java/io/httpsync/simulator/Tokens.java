package io.httpsync.simulator;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens a platform has issued: which tenant each belongs to and until when it is valid.
 * Supports the platforms' awkward cases: tokens that die early (WeCom), several valid tokens at
 * once (Feishu's renewal), fixed tokens configured out of band (Taobao sessions, Jushuitan access
 * tokens).
 */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Token> byValue = new ConcurrentHashMap<>();
    private final SimClock clock;

    public Tokens(SimClock clock) {
        this.clock = clock;
    }

    /** A token as issued. */
    public record Token(String value, String tenant, long issuedAt, long expiresAt) {}

    /** Issues a new random token for {@code tenant}, valid for {@code ttlMillis}. */
    public Token issue(String tenant, String prefix, long ttlMillis) {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return register(prefix + HexFormat.of().formatHex(b), tenant, ttlMillis);
    }

    /** Registers a token value chosen elsewhere (a session key handed out on authorization). */
    public Token register(String value, String tenant, long ttlMillis) {
        long now = clock.now();
        Token t = new Token(value, tenant, now, now + ttlMillis);
        byValue.put(value, t);
        return t;
    }

    /** The token if it exists (valid or not). */
    public Token find(String value) {
        return value == null ? null : byValue.get(value);
    }

    /** The tenant whose valid token this is, or null if it is unknown or expired. */
    public String validTenant(String value) {
        Token t = find(value);
        return t != null && clock.now() < t.expiresAt() ? t.tenant() : null;
    }

    /** The newest still-valid token of the tenant, or null. */
    public Token current(String tenant) {
        long now = clock.now();
        Token best = null;
        for (Token t : byValue.values()) {
            if (t.tenant().equals(tenant)
                    && now < t.expiresAt()
                    && (best == null || t.issuedAt() > best.issuedAt())) best = t;
        }
        return best;
    }

    /** Kills every token of the tenant now (the platform's early invalidation). */
    public void expireAll(String tenant) {
        long now = clock.now();
        byValue.replaceAll(
                (v, t) ->
                        t.tenant().equals(tenant)
                                ? new Token(
                                        v, t.tenant(), t.issuedAt(), Math.min(t.expiresAt(), now))
                                : t);
    }
}
