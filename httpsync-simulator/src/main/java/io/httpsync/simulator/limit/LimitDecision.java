package io.httpsync.simulator.limit;

/**
 * The outcome of checking a request against a platform's limits.
 *
 * @param rule the rule that refused the request, null when accepted
 * @param key the key it was counted under
 * @param retryAfterMillis how long until that key is accepted again (the ban, or until the window
 *     frees a slot)
 * @param banned whether the refusal is a ban that began earlier (the platform says "this ban will
 *     last N seconds")
 */
public record LimitDecision(LimitRule rule, String key, long retryAfterMillis, boolean banned) {
    public static final LimitDecision ACCEPTED = new LimitDecision(null, null, 0, false);

    public boolean accepted() {
        return rule == null;
    }

    public long retryAfterSeconds() {
        return Math.max(1, (retryAfterMillis + 999) / 1000);
    }
}
