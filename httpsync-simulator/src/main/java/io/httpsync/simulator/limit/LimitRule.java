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
 */
public record LimitRule(String name, LimitScope scope, int limit, Duration period, Duration ban) {
    public LimitRule {
        if (limit <= 0)
            throw new IllegalArgumentException(
                    "limit of rule '" + name + "' must be > 0, was " + limit);
        if (period.isNegative() || period.isZero())
            throw new IllegalArgumentException("period of rule '" + name + "' must be > 0");
        if (ban.isNegative())
            throw new IllegalArgumentException("ban of rule '" + name + "' must be >= 0");
    }

    public static LimitRule perSecond(String name, LimitScope scope, int limit) {
        return new LimitRule(name, scope, limit, Duration.ofSeconds(1), Duration.ZERO);
    }

    public LimitRule withLimit(int newLimit) {
        return new LimitRule(name, scope, newLimit, period, ban);
    }

    public LimitRule withBan(Duration newBan) {
        return new LimitRule(name, scope, limit, period, newBan);
    }

    /** The key this rule counts a request under. */
    public String keyFor(String app, String tenant, String api, String ip) {
        return name + ":" + scope.key(app, tenant, api, ip);
    }
}
