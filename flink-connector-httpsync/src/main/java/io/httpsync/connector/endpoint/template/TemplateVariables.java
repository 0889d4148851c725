package io.httpsync.connector.endpoint.template;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.TimeFormat;

import org.apache.flink.annotation.Internal;

import java.time.ZoneId;
import java.util.Map;
import java.util.function.Function;

/**
 * The values of one rendering: what {@code ${...}} stands for in one request. Built per request on
 * whichever thread renders it; not shared. A value that is unavailable (a tenant without the
 * property, a token where none was fetched) fails with a message naming the placeholder and the
 * tenant, never a secret.
 */
@Internal
public final class TemplateVariables implements Function<String, String> {
    private final Tenant tenant;
    private final long nowMillis;
    private final TimeFormat timeFormat;
    private final ZoneId zone;
    private final Long windowStart;
    private final Long windowEndSent;
    private final Map<String, String> paging;
    private final String token;

    private TemplateVariables(
            Tenant tenant,
            long nowMillis,
            TimeFormat timeFormat,
            ZoneId zone,
            Long windowStart,
            Long windowEndSent,
            Map<String, String> paging,
            String token) {
        this.tenant = tenant;
        this.nowMillis = nowMillis;
        this.timeFormat = timeFormat;
        this.zone = zone;
        this.windowStart = windowStart;
        this.windowEndSent = windowEndSent;
        this.paging = paging;
        this.token = token;
    }

    /** The values a token request may use: the tenant and the clock. */
    public static TemplateVariables forTokenRequest(
            Tenant tenant, long nowMillis, TimeFormat timeFormat, ZoneId zone) {
        return forTokenRequest(tenant, nowMillis, timeFormat, zone, Map.of());
    }

    /**
     * The values a token request may use: the tenant, the clock, and the values of earlier steps of
     * its login by placeholder name ({@code step.<step>.<value>}).
     */
    public static TemplateVariables forTokenRequest(
            Tenant tenant,
            long nowMillis,
            TimeFormat timeFormat,
            ZoneId zone,
            Map<String, String> stepValues) {
        return new TemplateVariables(
                tenant, nowMillis, timeFormat, zone, null, null, stepValues, null);
    }

    /**
     * The values of a list request.
     *
     * @param windowEndSent the window end as it is sent (already one unit earlier for inclusive
     *     ends)
     * @param paging the values the pagination contributes for the position ({@code page}, {@code
     *     cursor}, ...)
     * @param token the access token, or null if the endpoint uses none
     */
    public static TemplateVariables forListRequest(
            Tenant tenant,
            long nowMillis,
            TimeFormat timeFormat,
            ZoneId zone,
            long windowStart,
            long windowEndSent,
            Map<String, String> paging,
            String token) {
        return new TemplateVariables(
                tenant, nowMillis, timeFormat, zone, windowStart, windowEndSent, paging, token);
    }

    @Override
    public String apply(String name) {
        switch (name) {
            case Placeholders.NOW:
                return timeFormat.format(nowMillis, zone);
            case Placeholders.NOW_EPOCH_MILLIS:
                return Long.toString(nowMillis);
            case Placeholders.NOW_EPOCH_SECONDS:
                return Long.toString(Math.floorDiv(nowMillis, 1000));
            case Placeholders.TENANT_ID:
                return tenant.id();
            case Placeholders.WINDOW_START:
                return timeFormat.format(require(windowStart, name), zone);
            case Placeholders.WINDOW_END:
                return timeFormat.format(require(windowEndSent, name), zone);
            case Placeholders.TOKEN:
                return require(token, name);
            default:
                break;
        }
        if (name.startsWith(Placeholders.TENANT_PREFIX)) {
            return tenant.requireProperty(
                    name.substring(Placeholders.TENANT_PREFIX.length()),
                    "placeholder ${" + name + "}");
        }
        return require(paging.get(name), name);
    }

    private <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalStateException(
                    "placeholder ${"
                            + name
                            + "} has no value in this request for tenant '"
                            + tenant.id()
                            + "'");
        }
        return value;
    }
}
