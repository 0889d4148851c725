package io.httpsync.simulator.limit;

import java.time.Duration;

/**
 * One rate limit of a platform: at most {@code limit} requests per {@code period} for each key of
 * its scope, and when exceeded, every request of that key is refused for {@code ban} (zero: refused
 * only while over the limit). The window slides: any {@code period}-long span holds at most {@code
 * limit} accepted requests.
 *
 * @param name a name that appears in accounting and error messages, e.g. {@code "corp-api-minute"}
 * @param scope what the limit is counted per
 * @param api the one API the rule covers (a platform whose APIs have different limits), or null for
 *     every API
 */
public record LimitRule(
        String name, LimitScope scope, int limit, Duration period, Duration ban, String api) {
    public LimitRule {
        if (limit <= 0)
            throw new IllegalArgumentException(
                    "limit of rule '" + name + "' must be > 0, was " + limit);
        if (period.isNegative() || period.isZero())
            throw new IllegalArgumentException("period of rule '" + name + "' must be > 0");
        if (ban.isNegative())
            throw new IllegalArgumentException("ban of rule '" + name + "' must be >= 0");
    }

    /** A rule that covers every API. */
    public LimitRule(String name, LimitScope scope, int limit, Duration period, Duration ban) {
        this(name, scope, limit, period, ban, null);
    }

    public static LimitRule perSecond(String name, LimitScope scope, int limit) {
        return new LimitRule(name, scope, limit, Duration.ofSeconds(1), Duration.ZERO);
    }

    public LimitRule withLimit(int newLimit) {
        return new LimitRule(name, scope, newLimit, period, ban, api);
    }

    public LimitRule withBan(Duration newBan) {
        return new LimitRule(name, scope, limit, period, newBan, api);
    }

    /** This rule, covering only {@code api}. */
    public LimitRule forApi(String onlyApi) {
        return new LimitRule(name, scope, limit, period, ban, onlyApi);
    }

    /** Whether the rule counts requests to {@code requestApi}. */
    public boolean covers(String requestApi) {
        return api == null || api.equals(requestApi);
    }

    /** The key this rule counts a request under. */
    public String keyFor(String app, String tenant, String api, String ip) {
        return name + ":" + scope.key(app, tenant, api, ip);
    }
}
