package io.httpsync.simulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the simulator served: per endpoint and per limit key, how many requests were served, how
 * many were refused by a limit, and the highest number that arrived within any one-second window,
 * so a test can prove a client never exceeded a limit. Also a log of every list request (tenant,
 * paging position, outcome), so a test can prove that a page was not requested twice, and a
 * separate log of every token request (grant, tenant, outcome), so a test can count the tokens a
 * client fetched and the spent refresh tokens it presented.
 */
public final class Accounting {
    private final Map<String, Counter> byEndpoint = new ConcurrentHashMap<>();
    private final Map<String, Counter> byLimitKey = new ConcurrentHashMap<>();
    private final Map<String, long[]> spans = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<RequestLogEntry> log = new ConcurrentLinkedQueue<>();
    private final AtomicInteger logSize = new AtomicInteger();
    private final ConcurrentLinkedQueue<TokenRequestEntry> tokenLog = new ConcurrentLinkedQueue<>();
    private static final int MAX_LOG = 1_000_000;
    private static final int MAX_REFUSALS = 100_000;

    /**
     * Records one request that reached {@code endpoint} and was counted under {@code limitKeys}.
     */
    public void record(String endpoint, List<String> limitKeys, long now, boolean refusedByLimit) {
        byEndpoint.computeIfAbsent(endpoint, k -> new Counter()).add(now, refusedByLimit);
        for (String key : limitKeys)
            byLimitKey.computeIfAbsent(key, k -> new Counter()).add(now, refusedByLimit);
    }

    /**
     * Notes that a limited request of {@code tenant} reached {@code platform} at {@code now}: the
     * first and last such moments per tenant are its span ({@link #tenantSpans}).
     */
    public void recordTenant(String platform, String tenant, long now) {
        spans.compute(
                platform + "/" + tenant,
                (k, span) ->
                        span == null
                                ? new long[] {now, now}
                                : new long[] {Math.min(span[0], now), Math.max(span[1], now)});
    }

    /**
     * Per {@code platform/tenant}: the first and last moment one of its limited requests arrived
     * (token requests are not limited there). How many tenants' spans overlap is how many were in
     * flight at once, as the platform saw it.
     */
    public Map<String, long[]> tenantSpans() {
        Map<String, long[]> out = new TreeMap<>();
        spans.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /**
     * The most tenants of {@code platform} whose spans ({@link #tenantSpans}) overlapped at one
     * moment.
     */
    public int peakTenantsInFlight(String platform) {
        List<long[]> events = new ArrayList<>();
        tenantSpans()
                .forEach(
                        (k, span) -> {
                            if (!k.startsWith(platform + "/")) return;
                            events.add(new long[] {span[0], 1});
                            events.add(new long[] {span[1] + 1, -1});
                        });
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int peak = 0;
        for (long[] e : events) {
            now += (int) e[1];
            peak = Math.max(peak, now);
        }
        return peak;
    }

    public void log(RequestLogEntry entry) {
        if (logSize.incrementAndGet() <= MAX_LOG) log.add(entry);
    }

    /**
     * Records one call of a token endpoint (these are not list requests: they are neither limited
     * nor logged above).
     */
    public void logTokenRequest(TokenRequestEntry entry) {
        tokenLog.add(entry);
    }

    /** Every token request, oldest first. */
    public List<TokenRequestEntry> tokenRequests() {
        return new ArrayList<>(tokenLog);
    }

    public Stats endpoint(String endpoint) {
        Counter c = byEndpoint.get(endpoint);
        return c == null ? Stats.NONE : c.stats();
    }

    public Stats limitKey(String key) {
        Counter c = byLimitKey.get(key);
        return c == null ? Stats.NONE : c.stats();
    }

    /**
     * When the requests counted under {@code key} were refused by a limit (epoch millis, in arrival
     * order; the first 100,000), so that a test can tell refusals while a client finds a limit from
     * refusals once it has.
     */
    public List<Long> refusalTimes(String key) {
        Counter c = byLimitKey.get(key);
        return c == null ? List.of() : c.refusedAt();
    }

    public Map<String, Stats> endpoints() {
        Map<String, Stats> out = new TreeMap<>();
        byEndpoint.forEach((k, v) -> out.put(k, v.stats()));
        return out;
    }

    public Map<String, Stats> limitKeys() {
        Map<String, Stats> out = new TreeMap<>();
        byLimitKey.forEach((k, v) -> out.put(k, v.stats()));
        return out;
    }

    /** Every logged request, oldest first. */
    public List<RequestLogEntry> requests() {
        return new ArrayList<>(log);
    }

    /** Requests refused by any limit, over all endpoints. */
    public long totalRefused() {
        return byEndpoint.values().stream().mapToLong(c -> c.stats().refused()).sum();
    }

    public void reset() {
        byEndpoint.clear();
        byLimitKey.clear();
        spans.clear();
        log.clear();
        logSize.set(0);
        tokenLog.clear();
    }

    /**
     * @param served requests that passed every limit
     * @param refused requests refused by a limit
     * @param maxPerSecond the most requests (served or refused) that arrived within any one-second
     *     window
     */
    public record Stats(long served, long refused, int maxPerSecond) {
        static final Stats NONE = new Stats(0, 0, 0);
    }

    /**
     * One list request as the platform saw it.
     *
     * @param endpoint the platform's API name
     * @param tenant the tenant it was for (null if the request was refused before the tenant was
     *     known)
     * @param position the paging position asked for (page number, offset or cursor) and window, as
     *     text
     * @param outcome "ok", or the error the platform answered with
     */
    public record RequestLogEntry(
            String endpoint, String tenant, String position, String outcome, long time) {}

    /**
     * One call of a token endpoint as the platform saw it.
     *
     * @param platform the platform's name ({@code kuaishou})
     * @param grant how the token was asked for ({@code code}, {@code refresh_token})
     * @param tenant the tenant it was for, or null if the request named none the platform knows
     * @param outcome "ok", or the error the platform answered with (e.g. {@code
     *     refreshToken.discarded})
     */
    public record TokenRequestEntry(
            String platform, String grant, String tenant, String outcome, long time) {}

    private static final class Counter {
        private long served;
        private long refused;
        private int maxPerSecond;
        private final ArrayDeque<Long> lastSecond = new ArrayDeque<>();

        /** When requests were refused, oldest first (the first {@code MAX_REFUSALS}). */
        private final List<Long> refusedAt = new ArrayList<>();

        synchronized void add(long now, boolean refusedByLimit) {
            if (refusedByLimit) {
                refused++;
                if (refusedAt.size() < MAX_REFUSALS) refusedAt.add(now);
            } else served++;
            lastSecond.addLast(now);
            while (lastSecond.peekFirst() <= now - 1000) lastSecond.pollFirst();
            maxPerSecond = Math.max(maxPerSecond, lastSecond.size());
        }

        synchronized List<Long> refusedAt() {
            return new ArrayList<>(refusedAt);
        }

        synchronized Stats stats() {
            return new Stats(served, refused, maxPerSecond);
        }
    }
}
