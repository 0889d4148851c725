package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.SignerKind;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.template.Placeholders;
import io.httpsync.connector.ratelimit.RateLimitOptions;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.util.TimeUtils;

import javax.annotation.Nullable;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The declarative description of one list endpoint of a platform: how to ask for a page of a time
 * window, how to page, how to read the answer, how to tell errors apart, how to authenticate, and
 * the platform's limits. One model for the DataStream builder and the SQL options: every part is a
 * flat string option of {@link EndpointOptions}, and {@link #fromOptions} / {@link #toOptions}
 * convert both ways ({@code fromOptions(spec.toOptions()).equals(spec)}). This class is the value;
 * {@link EndpointReader} reads and validates the options into it.
 *
 * <p>Immutable and thread-safe. Java serialization writes only the options; reading them back
 * validates again. Validation happens once, when a spec is read, and names the offending option in
 * every message.
 */
@PublicEvolving
public final class EndpointSpec implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    /**
     * How to page. {@code maxPages} and {@code maxRecords} are the platform's deep-paging caps,
     * null if none.
     */
    public record PaginationSettings(
            PaginationStyle style,
            int startPage,
            int pageSize,
            Integer maxPageSize,
            Integer maxPages,
            Long maxRecords,
            boolean shortPageEnds,
            List<String> cursorEndMarkers,
            int maxPasses) {}

    /**
     * Where things are in a response; pointers as written in the options, null if not configured.
     * At most one of {@code hasNextPath} (false ends a window) and {@code lastPagePath} (true ends
     * it) is set. {@code recordsMayBeAbsent}: a response without the records node is an empty page;
     * {@code maxBodyBytes}: the largest body read; {@code jsonStringPaths}: documents carried as
     * strings, decoded before the other pointers are read ({@link JsonStringDocuments}).
     */
    public record ResponseSettings(
            String recordsPath,
            String cursorPath,
            String hasNextPath,
            String lastPagePath,
            String totalPath,
            TotalKind totalKind,
            List<String> errorCodePaths,
            List<String> errorMessagePaths,
            String recordIdPath,
            String recordTimePath,
            TimeFormat recordTimeFormat,
            boolean singleRecord,
            boolean recordsMayBeAbsent,
            long maxBodyBytes,
            List<String> jsonStringPaths) {}

    /** How answers are classified; regexes are null if not configured. */
    public record ErrorSettings(
            List<String> successCodes,
            List<String> rateLimitedCodes,
            List<String> tokenExpiredCodes,
            List<String> retryableCodes,
            List<Integer> rateLimitedStatuses,
            List<Integer> tokenExpiredStatuses,
            List<Integer> retryableStatuses,
            Pattern rateLimitedMessageRegex,
            Pattern rateLimitedBodyRegex,
            Pattern banSecondsRegex,
            List<String> waitHeaders) {}

    /**
     * Retries of one page, and the per-tenant request rate. {@code maxPlatformWait}: the longest
     * wait a platform may ask for before the page fails instead.
     */
    public record RetrySettings(
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            double multiplier,
            double jitter,
            int maxRateLimited,
            Duration rateLimitedWait,
            double permitsPerSecond,
            int burst,
            Duration maxPlatformWait) {}

    /**
     * Authentication. {@code tokenRequest} is null for a static token read from the tenant property
     * {@code staticTokenProperty}; {@code signer} is {@link SignerKind#NONE} for unsigned requests.
     * {@code refreshTokenPath} is null unless token answers carry a new refresh token, which then
     * replaces the tenant property {@code refreshTokenProperty} in the next token request. {@code
     * tokenRequestSigned}: the token request is signed with {@code signer} too. {@code tokenSteps}
     * are the requests run, in order, before the token request ({@code auth.token.steps}); empty
     * for a token in one request. The token request's template is internal: the fetcher renders it.
     */
    public record AuthSettings(
            SignerKind signer,
            String signerSecretProperty,
            String staticTokenProperty,
            @Internal RequestTemplate tokenRequest,
            String tokenPath,
            String expiresInPath,
            ExpiresInUnit expiresInUnit,
            Duration defaultTtl,
            Duration refreshMargin,
            int maxRefreshes,
            String refreshTokenPath,
            String refreshTokenProperty,
            boolean tokenRequestSigned,
            List<TokenStep> tokenSteps) {
        /** Whether token answers carry a new refresh token for the next token request. */
        public boolean rotatesRefreshTokens() {
            return refreshTokenPath != null;
        }
    }

    /**
     * One step of a login in several requests ({@code auth.token.step.<name>.*}): its request, and
     * the values read from its answer by JSON pointer ({@code path.<value>}), which later steps and
     * the token request read as {@code ${step.<name>.<value>}}. The template is internal: the token
     * provider renders it.
     */
    public record TokenStep(
            String name, @Internal RequestTemplate request, Map<String, String> valuePaths) {}

    /**
     * The time limits the planner must respect; null if the platform states none. The page-size
     * limit and the deep-paging caps are part of {@link PaginationSettings}.
     */
    public record PlatformLimits(Duration windowMaxWidth, Duration windowLookBack) {}

    private final TreeMap<String, String> options;
    private final transient String name;
    private final transient RequestTemplate request;
    private final transient Duration requestTimeout;
    private final transient TimeFormat timeFormat;
    private final transient ZoneId timeZone;
    private final transient boolean windowEndInclusive;
    private final transient QueryTimeField queryTimeField;
    private final transient SortOrder sort;
    private final transient PaginationSettings pagination;
    private final transient ResponseSettings response;
    private final transient ErrorSettings errors;
    private final transient RetrySettings retry;
    private final transient AuthSettings auth;
    private final transient PlatformLimits limits;
    private final transient RateLimitSpec rateLimits;
    private final transient Duration logSummaryInterval;

    EndpointSpec(
            TreeMap<String, String> options,
            String name,
            RequestTemplate request,
            Duration requestTimeout,
            TimeFormat timeFormat,
            ZoneId timeZone,
            boolean windowEndInclusive,
            QueryTimeField queryTimeField,
            SortOrder sort,
            PaginationSettings pagination,
            ResponseSettings response,
            ErrorSettings errors,
            RetrySettings retry,
            AuthSettings auth,
            PlatformLimits limits,
            RateLimitSpec rateLimits,
            Duration logSummaryInterval) {
        this.options = new TreeMap<>(options);
        this.name = name;
        this.request = request;
        this.requestTimeout = requestTimeout;
        this.timeFormat = timeFormat;
        this.timeZone = timeZone;
        this.windowEndInclusive = windowEndInclusive;
        this.queryTimeField = queryTimeField;
        this.sort = sort;
        this.pagination = pagination;
        this.response = response;
        this.errors = errors;
        this.retry = retry;
        this.auth = auth;
        this.limits = limits;
        this.rateLimits = rateLimits;
        this.logSummaryInterval = logSummaryInterval;
    }

    /**
     * Reads and validates a description ({@link EndpointReader}).
     *
     * @throws IllegalArgumentException naming the option that is missing, unknown or invalid
     */
    public static EndpointSpec fromOptions(Map<String, String> options) {
        return EndpointReader.read(options);
    }

    /**
     * The options this description was read from, canonically spelled; defaults that were not given
     * are absent.
     */
    public Map<String, String> toOptions() {
        return new TreeMap<>(options);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * This description with another per-tenant request rate (options {@code
     * rate-limit.permits-per-second} and {@code rate-limit.burst}; null keeps a value); with no
     * {@code rate-limit.bucket.*} configured, the tenant bucket follows them.
     *
     * @throws IllegalArgumentException naming the option whose value is out of range
     */
    public EndpointSpec withTenantRateLimit(
            @Nullable Double permitsPerSecond, @Nullable Integer burst) {
        return EndpointReader.withTenantRateLimit(this, permitsPerSecond, burst);
    }

    /**
     * Checks what a scan source (not a lookup) needs beyond a valid description: every record's id
     * and time, which go with it to the sink and decide the sync position. Called where a scan
     * source is built (the DataStream builder, which the SQL table factory and the job configs use
     * too).
     *
     * @throws IllegalArgumentException naming the option that is missing
     */
    public void requireScanFields() {
        EndpointReader.requireScanFields(response);
    }

    // ------------------------------------------------------------------ accessors

    /** A short name of the endpoint for events and logs. */
    public String name() {
        return name;
    }

    /**
     * The list request's template; internal: the fetcher renders it, users describe it with
     * options.
     */
    @Internal
    public RequestTemplate request() {
        return request;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** How often answers other than pages are summed up in the log, per tenant; zero for never. */
    public Duration logSummaryInterval() {
        return logSummaryInterval;
    }

    public TimeFormat timeFormat() {
        return timeFormat;
    }

    public ZoneId timeZone() {
        return timeZone;
    }

    public boolean windowEndInclusive() {
        return windowEndInclusive;
    }

    /**
     * The window end as sent: one unit of {@code time.format} earlier when the platform includes
     * the end.
     */
    public long windowEndSent(long windowEnd) {
        return windowEndInclusive ? windowEnd - timeFormat.unitMillis() : windowEnd;
    }

    public QueryTimeField queryTimeField() {
        return queryTimeField;
    }

    public SortOrder sort() {
        return sort;
    }

    public PaginationSettings pagination() {
        return pagination;
    }

    /**
     * Whether page/offset paging reads backwards from the last page (it does when a total is
     * configured).
     */
    public boolean hasBackwardPaging() {
        return pagination.style().paging().pagesBackwardWithTotal() && response.totalPath() != null;
    }

    public ResponseSettings response() {
        return response;
    }

    public ErrorSettings errors() {
        return errors;
    }

    public RetrySettings retry() {
        return retry;
    }

    public AuthSettings auth() {
        return auth;
    }

    public PlatformLimits limits() {
        return limits;
    }

    /** The buckets and limits of options {@code rate-limit.*}. */
    public RateLimitSpec rateLimits() {
        return rateLimits;
    }

    /** Whether requests carry a token ({@code ${token}} appears in a list request template). */
    public boolean usesToken() {
        return request.placeholders().contains(Placeholders.TOKEN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointSpec other && other.options.equals(options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }

    /**
     * The name and the options. Templates reference secrets by placeholder; a parameter or header
     * that looks secret (by its name, or an Authorization header) and holds a literal value is
     * masked.
     */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        options.forEach((k, v) -> shown.put(k, isLiteralSecret(k, v) ? "******" : v));
        return "EndpointSpec{" + name + ", " + shown + "}";
    }

    /**
     * The values of options that hold a secret literally (a secret-looking parameter or header, an
     * {@code Authorization} header, a Redis URI with a password), to be masked wherever a message
     * might echo them.
     */
    public List<String> literalSecrets() {
        List<String> secrets = new ArrayList<>();
        options.forEach(
                (k, v) -> {
                    if (isLiteralSecret(k, v)) secrets.add(v);
                });
        return secrets;
    }

    private static boolean isLiteralSecret(String key, String value) {
        if (key.equals(RateLimitOptions.REDIS_URI.key()))
            return value.contains("@"); // redis://user:password@host
        if (value.contains("${")) return false;
        if (key.startsWith(EndpointOptions.AUTH_TOKEN_STEP_PREFIX)) {
            // a step's parameters and headers, by their own name; its pointers and URL are no
            // secrets
            String setting = key.substring(EndpointOptions.AUTH_TOKEN_STEP_PREFIX.length());
            int param = Math.max(setting.indexOf(".param."), setting.indexOf(".header."));
            if (param < 0) return false;
            key = setting.substring(setting.indexOf('.', param + 1) + 1);
            return Tenant.isSecretKey(key)
                    || key.equalsIgnoreCase("authorization")
                    || key.equalsIgnoreCase("sign");
        }
        for (String prefix : EndpointOptions.prefixes()) {
            if (key.startsWith(prefix)) {
                String name = key.substring(prefix.length());
                return Tenant.isSecretKey(name)
                        || name.equalsIgnoreCase("authorization")
                        || name.equalsIgnoreCase("sign");
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ serialization: the options
    // only

    @Serial
    private Object writeReplace() {
        return new SerializedForm(options);
    }

    @Serial
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("EndpointSpec is serialized through its options");
    }

    private record SerializedForm(TreeMap<String, String> options) implements Serializable {
        @Serial
        private Object readResolve() {
            return fromOptions(options);
        }
    }

    // ------------------------------------------------------------------ builder

    /**
     * Builds a description option by option, starting empty or from a preset. Not thread-safe.
     * Typed values are written as options spell them (durations as {@code 30 s}, lists joined by
     * {@code ;}, enums lower case).
     */
    @PublicEvolving
    public static final class Builder {
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder() {}

        /** Adds (or overrides with) all these options, e.g. a preset of {@link EndpointPresets}. */
        public Builder options(Map<String, String> more) {
            options.putAll(more);
            return this;
        }

        public <T> Builder set(ConfigOption<T> option, T value) {
            options.put(option.key(), write(value));
            return this;
        }

        public Builder set(String key, String value) {
            options.put(key, value);
            return this;
        }

        public Builder remove(String key) {
            options.remove(key);
            return this;
        }

        public Builder url(String url) {
            return set(EndpointOptions.URL, url);
        }

        /** A templated request parameter ({@code request.param.<name>}). */
        public Builder param(String name, String template) {
            return set(EndpointOptions.REQUEST_PARAM_PREFIX + name, template);
        }

        /** A templated request header ({@code request.header.<name>}). */
        public Builder header(String name, String template) {
            return set(EndpointOptions.REQUEST_HEADER_PREFIX + name, template);
        }

        /** A parameter whose value is a JSON document rendered from {@code template}. */
        public Builder bizParam(String name, String template) {
            return set(EndpointOptions.REQUEST_BIZ_PARAM_NAME, name)
                    .set(EndpointOptions.REQUEST_BIZ_PARAM_TEMPLATE, template);
        }

        /** A templated parameter of the token request ({@code auth.token.param.<name>}). */
        public Builder tokenParam(String name, String template) {
            return set(EndpointOptions.AUTH_TOKEN_PARAM_PREFIX + name, template);
        }

        /**
         * @throws IllegalArgumentException naming the first invalid option
         */
        public EndpointSpec build() {
            return fromOptions(options);
        }

        private static String write(Object value) {
            if (value instanceof Duration d) return TimeUtils.formatWithHighestUnit(d);
            if (value instanceof OptionEnum e) return e.optionValue();
            if (value instanceof Double d) return OptionReader.writeDouble(d);
            if (value instanceof Collection<?> c)
                return c.stream().map(Builder::write).collect(Collectors.joining(";"));
            return String.valueOf(value);
        }
    }
}
