package io.httpsync.connector.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.httpsync.connector.auth.SignerKind;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.template.Placeholders;
import io.httpsync.connector.endpoint.template.Template;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.RateLimitSpec;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.util.TimeUtils;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The declarative description of one list endpoint of a platform: how to ask for a page of a time window, how to
 * page, how to read the answer, how to tell errors apart, how to authenticate, and the platform's limits. One model
 * for the DataStream builder and the SQL options: every part is a flat string option of {@link EndpointOptions}, and
 * {@link #fromOptions} / {@link #toOptions} convert both ways ({@code fromOptions(spec.toOptions()).equals(spec)}).
 *
 * <p>Immutable and thread-safe. Java serialization writes only the options; reading them back validates again.
 * Validation happens once, when a spec is built, and names the offending option in every message.
 */
@PublicEvolving
public final class EndpointSpec implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to page. {@code maxPages} and {@code maxRecords} are the platform's deep-paging caps, null if none. */
    public record PaginationSettings(PaginationStyle style, int startPage, int pageSize, Integer maxPageSize,
                                     Integer maxPages, Long maxRecords, boolean shortPageEnds,
                                     List<String> cursorEndMarkers, int maxPasses) {}

    /**
     * Where things are in a response; pointers as written in the options, null if not configured.
     * {@code recordsMayBeAbsent}: a response without the records node is an empty page; {@code maxBodyBytes}: the
     * largest body read.
     */
    public record ResponseSettings(String recordsPath, String cursorPath, String hasNextPath, String totalPath,
                                   TotalKind totalKind, List<String> errorCodePaths, List<String> errorMessagePaths,
                                   String recordIdPath, String recordTimePath, TimeFormat recordTimeFormat,
                                   boolean singleRecord, boolean recordsMayBeAbsent, long maxBodyBytes) {}

    /** How answers are classified; regexes are null if not configured. */
    public record ErrorSettings(List<String> successCodes, List<String> rateLimitedCodes,
                                List<String> tokenExpiredCodes, List<String> retryableCodes,
                                List<Integer> rateLimitedStatuses, List<Integer> tokenExpiredStatuses,
                                List<Integer> retryableStatuses, Pattern rateLimitedMessageRegex,
                                Pattern rateLimitedBodyRegex, Pattern banSecondsRegex, List<String> waitHeaders) {}

    /**
     * Retries of one page, and the per-tenant request rate. {@code maxPlatformWait}: the longest wait a platform may
     * ask for before the page fails instead.
     */
    public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                                double jitter, int maxRateLimited, Duration rateLimitedWait, double permitsPerSecond,
                                int burst, Duration maxPlatformWait) {}

    /**
     * Authentication. {@code tokenRequest} is null for a static token read from the tenant property
     * {@code staticTokenProperty}; {@code signer} is {@link SignerKind#NONE} for unsigned requests.
     * {@code refreshTokenPath} is null unless token answers carry a new refresh token, which then replaces the tenant
     * property {@code refreshTokenProperty} in the next token request. {@code tokenRequestSigned}: the token request is
     * signed with {@code signer} too. The token request's template is internal: the fetcher renders it.
     */
    public record AuthSettings(SignerKind signer, String signerSecretProperty, String staticTokenProperty,
                               @Internal RequestTemplate tokenRequest, String tokenPath, String expiresInPath,
                               ExpiresInUnit expiresInUnit, Duration defaultTtl, Duration refreshMargin,
                               int maxRefreshes, String refreshTokenPath, String refreshTokenProperty,
                               boolean tokenRequestSigned) {
        /** Whether token answers carry a new refresh token for the next token request. */
        public boolean rotatesRefreshTokens() {
            return refreshTokenPath != null;
        }
    }

    /**
     * The time limits the planner must respect; null if the platform states none. The page-size limit and the
     * deep-paging caps are part of {@link PaginationSettings}.
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

    private EndpointSpec(OptionReader r) {
        r.failOnUnknownKeys();
        this.request = readRequest(r, RequestTemplate.LIST_REQUEST);
        String givenName = r.string(EndpointOptions.NAME);
        this.name = givenName != null ? givenName : defaultName(request.url().source());
        this.requestTimeout = r.duration(EndpointOptions.REQUEST_TIMEOUT, true);
        this.timeFormat = timeFormat(EndpointOptions.TIME_FORMAT.key(), r.string(EndpointOptions.TIME_FORMAT));
        this.timeZone = zone(r.string(EndpointOptions.TIME_ZONE));
        this.windowEndInclusive = r.bool(EndpointOptions.WINDOW_END_INCLUSIVE);
        this.queryTimeField = r.enumValue(EndpointOptions.QUERY_TIME_FIELD, QueryTimeField.class);
        this.sort = r.enumValue(EndpointOptions.SORT, SortOrder.class);
        this.limits = new PlatformLimits(r.duration(EndpointOptions.WINDOW_MAX_WIDTH, true),
                r.duration(EndpointOptions.WINDOW_LOOK_BACK, true));
        this.pagination = readPagination(r);
        this.response = readResponse(r);
        this.errors = readErrors(r);
        this.retry = readRetry(r);
        this.auth = readAuth(r);
        this.rateLimits = readRateLimits(r, name, retry);
        this.logSummaryInterval = r.duration(EndpointOptions.LOG_SUMMARY_INTERVAL, false);
        if (logSummaryInterval.isNegative()) throw OptionReader.invalid(EndpointOptions.LOG_SUMMARY_INTERVAL.key(), "must not be negative");
        this.options = r.canonical();
        validateTemplates();
        validatePaging();
        if (auth.tokenRequest() != null && !usesToken()) {
            throw OptionReader.invalid(EndpointOptions.AUTH_TOKEN_URL.key(), "is set but no request template uses ${token}");
        }
    }

    /**
     * Reads and validates a description.
     *
     * @throws IllegalArgumentException naming the option that is missing, unknown or invalid
     */
    public static EndpointSpec fromOptions(Map<String, String> options) {
        return new EndpointSpec(new OptionReader(options));
    }

    /** The options this description was read from, canonically spelled; defaults that were not given are absent. */
    public Map<String, String> toOptions() {
        return new TreeMap<>(options);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ reading

    private static RequestTemplate readRequest(OptionReader r, RequestTemplate.Keys keys) {
        boolean list = keys == RequestTemplate.LIST_REQUEST;
        ConfigOption<String> urlOption = list ? EndpointOptions.URL : EndpointOptions.AUTH_TOKEN_URL;
        String url = r.requiredString(urlOption);
        HttpMethod method = r.enumValue(list ? EndpointOptions.REQUEST_METHOD : EndpointOptions.AUTH_TOKEN_METHOD, HttpMethod.class);
        BodyKind bodyKind = r.enumValue(list ? EndpointOptions.REQUEST_BODY_KIND : EndpointOptions.AUTH_TOKEN_BODY_KIND, BodyKind.class);
        String body = r.string(list ? EndpointOptions.REQUEST_BODY_TEMPLATE : EndpointOptions.AUTH_TOKEN_BODY_TEMPLATE);
        if (method == HttpMethod.GET && bodyKind != BodyKind.NONE) {
            throw OptionReader.invalid(keys.bodyKind(), "'" + bodyKind.optionValue() + "' needs " + keys.method() + " = POST");
        }
        if (bodyKind == BodyKind.JSON && body == null) {
            throw OptionReader.invalid(keys.bodyTemplate(), "is required with " + keys.bodyKind() + " = json");
        }
        if (bodyKind != BodyKind.JSON && body != null) {
            throw OptionReader.invalid(keys.bodyTemplate(), "is only used with " + keys.bodyKind() + " = json");
        }
        Map<String, Template> byKey = new LinkedHashMap<>();
        Template urlTemplate = compile(byKey, keys.url(), url, false);
        if (!url.startsWith("${") && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw OptionReader.invalid(keys.url(), "'" + url + "' is not an http:// or https:// URL");
        }
        Map<String, Template> params = new LinkedHashMap<>();
        r.prefixed(keys.paramPrefix()).forEach((n, v) -> params.put(n, compile(byKey, keys.paramPrefix() + n, v, false)));
        Map<String, Template> headers = new LinkedHashMap<>();
        r.prefixed(keys.headerPrefix()).forEach((n, v) -> headers.put(n, compile(byKey, keys.headerPrefix() + n, v, false)));
        Template bodyTemplate = body == null ? null : compile(byKey, keys.bodyTemplate(), body, true);
        String bizName = null;
        Template biz = null;
        if (list) {
            bizName = r.string(EndpointOptions.REQUEST_BIZ_PARAM_NAME);
            String bizTemplate = r.string(EndpointOptions.REQUEST_BIZ_PARAM_TEMPLATE);
            if ((bizName == null) != (bizTemplate == null)) {
                throw OptionReader.invalid(bizName == null ? keys.bizName() : keys.bizTemplate(),
                        "is required together with '" + (bizName == null ? keys.bizTemplate() : keys.bizName()) + "'");
            }
            if (bizName != null && params.containsKey(bizName)) {
                throw OptionReader.invalid(keys.bizName(), "'" + bizName + "' is also set as " + keys.paramPrefix() + bizName);
            }
            biz = bizTemplate == null ? null : compile(byKey, keys.bizTemplate(), bizTemplate, true);
        }
        return new RequestTemplate(urlTemplate, method, bodyKind, params, headers, bodyTemplate, bizName, biz, byKey);
    }

    private static Template compile(Map<String, Template> byKey, String key, String source, boolean json) {
        try {
            Template t = Template.compile(source, json);
            byKey.put(key, t);
            return t;
        } catch (IllegalArgumentException e) {
            throw OptionReader.invalid(key, e.getMessage());
        }
    }

    private static String defaultName(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static TimeFormat timeFormat(String key, String text) {
        try {
            return TimeFormat.of(text);
        } catch (IllegalArgumentException e) {
            throw OptionReader.invalid(key, e.getMessage());
        }
    }

    private static ZoneId zone(String text) {
        try {
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw OptionReader.invalid(EndpointOptions.TIME_ZONE.key(), "'" + text + "' is not a time zone like Asia/Shanghai or UTC");
        }
    }

    private static PaginationSettings readPagination(OptionReader r) {
        PaginationStyle style = r.enumValue(EndpointOptions.PAGINATION_STYLE, PaginationStyle.class);
        int startPage = r.integer(EndpointOptions.PAGINATION_START_PAGE, 0);
        if (startPage > 1) throw OptionReader.invalid(EndpointOptions.PAGINATION_START_PAGE.key(), startPage + " is neither 0 nor 1");
        int pageSize = r.integer(EndpointOptions.PAGINATION_PAGE_SIZE, 1);
        Integer maxPageSize = r.integer(EndpointOptions.PAGINATION_MAX_PAGE_SIZE, 1);
        if (maxPageSize != null && pageSize > maxPageSize) {
            throw OptionReader.invalid(EndpointOptions.PAGINATION_PAGE_SIZE.key(), pageSize + " exceeds '"
                    + EndpointOptions.PAGINATION_MAX_PAGE_SIZE.key() + "' " + maxPageSize);
        }
        Integer maxPages = r.integer(EndpointOptions.PAGINATION_MAX_PAGES, 1);
        Long maxRecords = r.longValue(EndpointOptions.PAGINATION_MAX_RECORDS, 1);
        if (maxRecords != null && maxRecords < pageSize) {
            throw OptionReader.invalid(EndpointOptions.PAGINATION_MAX_RECORDS.key(), maxRecords + " is less than one page of "
                    + EndpointOptions.PAGINATION_PAGE_SIZE.key() + " " + pageSize);
        }
        List<String> markers = r.stringList(EndpointOptions.PAGINATION_CURSOR_END_MARKERS);
        return new PaginationSettings(style, startPage, pageSize, maxPageSize, maxPages, maxRecords,
                r.bool(EndpointOptions.PAGINATION_SHORT_PAGE_ENDS), markers == null ? List.of() : List.copyOf(markers),
                r.integer(EndpointOptions.PAGINATION_MAX_PASSES, 1));
    }

    private ResponseSettings readResponse(OptionReader r) {
        String records = pointer(r, EndpointOptions.RESPONSE_RECORDS_PATH, true);
        String totalPath = pointer(r, EndpointOptions.RESPONSE_TOTAL_PATH, false);
        if (r.isSet(EndpointOptions.RESPONSE_TOTAL_KIND) && totalPath == null) {
            throw OptionReader.invalid(EndpointOptions.RESPONSE_TOTAL_KIND.key(), "needs '" + EndpointOptions.RESPONSE_TOTAL_PATH.key() + "'");
        }
        List<String> codePaths = pointers(r, EndpointOptions.RESPONSE_ERROR_CODE_PATH);
        List<String> messagePaths = pointers(r, EndpointOptions.RESPONSE_ERROR_MESSAGE_PATH);
        String timeFormatText = r.string(EndpointOptions.RESPONSE_RECORD_TIME_FORMAT);
        TimeFormat recordTimeFormat = timeFormatText == null ? timeFormat
                : timeFormat(EndpointOptions.RESPONSE_RECORD_TIME_FORMAT.key(), timeFormatText);
        return new ResponseSettings(records, pointer(r, EndpointOptions.RESPONSE_CURSOR_PATH, false),
                pointer(r, EndpointOptions.RESPONSE_HAS_NEXT_PATH, false), totalPath,
                r.enumValue(EndpointOptions.RESPONSE_TOTAL_KIND, TotalKind.class), codePaths, messagePaths,
                pointer(r, EndpointOptions.RESPONSE_RECORD_ID_PATH, false),
                pointer(r, EndpointOptions.RESPONSE_RECORD_TIME_PATH, false), recordTimeFormat,
                r.bool(EndpointOptions.RESPONSE_SINGLE_RECORD), r.bool(EndpointOptions.RESPONSE_RECORDS_MAY_BE_ABSENT),
                r.memorySize(EndpointOptions.RESPONSE_MAX_BODY_SIZE).getBytes());
    }

    private static String pointer(OptionReader r, ConfigOption<String> option, boolean required) {
        String p = required ? r.requiredString(option) : r.string(option);
        if (p != null) JsonPointers.compile(option.key(), p);
        return p;
    }

    private static List<String> pointers(OptionReader r, ConfigOption<List<String>> option) {
        List<String> ps = r.stringList(option);
        JsonPointers.compileAll(option.key(), ps);
        return ps == null ? List.of() : List.copyOf(ps);
    }

    private static ErrorSettings readErrors(OptionReader r) {
        Pattern banSeconds = regex(r, EndpointOptions.ERROR_BAN_SECONDS_REGEX);
        if (banSeconds != null && banSeconds.matcher("").groupCount() < 1) {
            throw OptionReader.invalid(EndpointOptions.ERROR_BAN_SECONDS_REGEX.key(), "needs a group capturing the seconds, like (\\d+)");
        }
        return new ErrorSettings(codes(r, EndpointOptions.ERROR_SUCCESS_CODES), codes(r, EndpointOptions.ERROR_RATE_LIMITED_CODES),
                codes(r, EndpointOptions.ERROR_TOKEN_EXPIRED_CODES), codes(r, EndpointOptions.ERROR_RETRYABLE_CODES),
                statuses(r, EndpointOptions.ERROR_RATE_LIMITED_STATUSES), statuses(r, EndpointOptions.ERROR_TOKEN_EXPIRED_STATUSES),
                statuses(r, EndpointOptions.ERROR_RETRYABLE_STATUSES), regex(r, EndpointOptions.ERROR_RATE_LIMITED_MESSAGE_REGEX),
                regex(r, EndpointOptions.ERROR_RATE_LIMITED_BODY_REGEX), banSeconds,
                List.copyOf(r.stringList(EndpointOptions.ERROR_WAIT_HEADERS)));
    }

    private static List<String> codes(OptionReader r, ConfigOption<List<String>> option) {
        List<String> c = r.stringList(option);
        return c == null ? List.of() : List.copyOf(c);
    }

    private static List<Integer> statuses(OptionReader r, ConfigOption<List<Integer>> option) {
        List<Integer> s = r.intList(option);
        for (int status : s) {
            if (status < 100 || status > 599) throw OptionReader.invalid(option.key(), status + " is not an HTTP status");
        }
        return List.copyOf(s);
    }

    private static Pattern regex(OptionReader r, ConfigOption<String> option) {
        String s = r.string(option);
        if (s == null) return null;
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw OptionReader.invalid(option.key(), "'" + s + "' is not a valid regular expression (" + e.getDescription() + ")");
        }
    }

    private static RetrySettings readRetry(OptionReader r) {
        Duration initial = r.duration(EndpointOptions.RETRY_INITIAL_BACKOFF, true);
        Duration max = r.duration(EndpointOptions.RETRY_MAX_BACKOFF, true);
        if (max.compareTo(initial) < 0) {
            throw OptionReader.invalid(EndpointOptions.RETRY_MAX_BACKOFF.key(), TimeUtils.formatWithHighestUnit(max)
                    + " is less than '" + EndpointOptions.RETRY_INITIAL_BACKOFF.key() + "' " + TimeUtils.formatWithHighestUnit(initial));
        }
        double permits = r.doubleValue(EndpointOptions.RATE_LIMIT_PERMITS_PER_SECOND, 0, 1_000_000);
        if (permits <= 0) throw OptionReader.invalid(EndpointOptions.RATE_LIMIT_PERMITS_PER_SECOND.key(), "must be positive");
        return new RetrySettings(r.integer(EndpointOptions.RETRY_MAX_ATTEMPTS, 1), initial, max,
                r.doubleValue(EndpointOptions.RETRY_BACKOFF_MULTIPLIER, 1, 100), r.doubleValue(EndpointOptions.RETRY_JITTER, 0, 1),
                r.integer(EndpointOptions.RETRY_MAX_RATE_LIMITED, 0), r.duration(EndpointOptions.RETRY_RATE_LIMITED_WAIT, true),
                permits, r.integer(EndpointOptions.RATE_LIMIT_BURST, 1), r.duration(EndpointOptions.RETRY_MAX_PLATFORM_WAIT, true));
    }

    private static RateLimitSpec readRateLimits(OptionReader r, String endpointName, RetrySettings retry) {
        Map<String, String> bucketOptions = r.prefixed(EndpointOptions.RATE_LIMIT_BUCKET_PREFIX);
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String key : bucketOptions.keySet()) {
            int dot = key.lastIndexOf('.');
            String suffix = key.substring(dot + 1);
            if (dot <= 0 || !EndpointOptions.BUCKET_SUFFIXES.contains(suffix)) {
                throw OptionReader.invalid(EndpointOptions.RATE_LIMIT_BUCKET_PREFIX + key, "is unknown; a bucket option is "
                        + EndpointOptions.RATE_LIMIT_BUCKET_PREFIX + "<name>.(" + String.join("|", EndpointOptions.BUCKET_SUFFIXES) + ")");
            }
            names.add(key.substring(0, dot));
        }
        List<BucketSpec> buckets = new java.util.ArrayList<>();
        for (String bucket : names) buckets.add(readBucket(r, bucket));
        if (buckets.isEmpty()) {
            // the per-tenant limit of options rate-limit.permits-per-second and rate-limit.burst
            long burst = retry.burst();
            buckets.add(new BucketSpec("tenant", BucketScope.TENANT, Math.max(burst, Math.round(retry.permitsPerSecond() + burst - 1)),
                    Duration.ofSeconds(1), burst, 1, false));
        }
        RateLimitSpec.Backend backend = r.enumValue(EndpointOptions.RATE_LIMIT_BACKEND, RateLimitSpec.Backend.class);
        String redisUri = r.string(EndpointOptions.RATE_LIMIT_REDIS_URI);
        if (backend == RateLimitSpec.Backend.REDIS && (redisUri == null || redisUri.isBlank())) {
            throw OptionReader.invalid(EndpointOptions.RATE_LIMIT_REDIS_URI.key(), "is required with "
                    + EndpointOptions.RATE_LIMIT_BACKEND.key() + " = redis");
        }
        String api = r.string(EndpointOptions.RATE_LIMIT_API);
        RateLimitSpec.Adaptive adaptive = new RateLimitSpec.Adaptive(
                r.doubleValue(EndpointOptions.RATE_LIMIT_ADAPTIVE_INITIAL, 0.001, 1),
                r.doubleValue(EndpointOptions.RATE_LIMIT_ADAPTIVE_INCREASE, 0.0001, 1),
                r.doubleValue(EndpointOptions.RATE_LIMIT_ADAPTIVE_DECREASE, 0.01, 0.99),
                r.doubleValue(EndpointOptions.RATE_LIMIT_ADAPTIVE_TARGET, 0.1, 1),
                r.duration(EndpointOptions.RATE_LIMIT_ADAPTIVE_INTERVAL, true).toMillis());
        return new RateLimitSpec(buckets, backend, redisUri, r.requiredString(EndpointOptions.RATE_LIMIT_NAMESPACE),
                api != null ? api : endpointName, r.doubleValue(EndpointOptions.RATE_LIMIT_UTILIZATION, 0.1, 1), adaptive,
                r.integer(EndpointOptions.RATE_LIMIT_MAX_TENANTS, 0), r.integer(EndpointOptions.RATE_LIMIT_MAX_IN_FLIGHT, 0));
    }

    private static BucketSpec readBucket(OptionReader r, String bucket) {
        ConfigOption<BucketScope> scopeOption = EndpointOptions.bucketScope(bucket);
        BucketScope scope = r.enumValue(scopeOption, BucketScope.class);
        if (scope == null) throw OptionReader.invalid(scopeOption.key(), "is required");
        ConfigOption<Long> permitsOption = EndpointOptions.bucketPermits(bucket);
        Long permits = r.longValue(permitsOption, 1);
        if (permits == null) throw OptionReader.invalid(permitsOption.key(), "is required");
        ConfigOption<String> periodOption = EndpointOptions.bucketPeriod(bucket);
        Duration period = period(periodOption.key(), r.string(periodOption));
        ConfigOption<Long> burstOption = EndpointOptions.bucketBurst(bucket);
        long burst = r.longValue(burstOption, 1);
        if (burst > permits) throw OptionReader.invalid(burstOption.key(), burst + " is more than the bucket's permits " + permits);
        ConfigOption<Long> weightOption = EndpointOptions.bucketWeight(bucket);
        long weight = r.longValue(weightOption, 1);
        if (weight > burst) {
            throw OptionReader.invalid(weightOption.key(), weight + " is more than the bucket's burst " + burst + ", so a request could never go");
        }
        return new BucketSpec(bucket, scope, permits, period, burst, weight, r.bool(EndpointOptions.bucketAdaptive(bucket)));
    }

    private static Duration period(String key, String text) {
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "second": return Duration.ofSeconds(1);
            case "minute": return Duration.ofMinutes(1);
            case "hour": return Duration.ofHours(1);
            case "day": return Duration.ofDays(1);
            default:
                try {
                    Duration d = TimeUtils.parseDuration(text);
                    if (!d.isNegative() && !d.isZero()) return d;
                } catch (RuntimeException ignored) {
                    // reported below with the accepted spellings
                }
                throw OptionReader.invalid(key, "'" + text + "' is not second, minute, hour, day or a positive duration like '20 s'");
        }
    }

    private static AuthSettings readAuth(OptionReader r) {
        SignerKind signer = r.enumValue(EndpointOptions.AUTH_SIGNER, SignerKind.class);
        String secretProperty = r.string(EndpointOptions.AUTH_SIGNER_SECRET_PROPERTY);
        if (secretProperty != null && signer == SignerKind.NONE) {
            throw OptionReader.invalid(EndpointOptions.AUTH_SIGNER_SECRET_PROPERTY.key(), "is set but 'auth.signer' is none");
        }
        RequestTemplate tokenRequest = null;
        String tokenPath = null;
        if (r.isSet(EndpointOptions.AUTH_TOKEN_URL)) {
            tokenRequest = readRequest(r, RequestTemplate.TOKEN_REQUEST);
            tokenPath = pointer(r, EndpointOptions.AUTH_TOKEN_PATH, true);
        } else {
            for (String prefix : List.of(EndpointOptions.AUTH_TOKEN_PARAM_PREFIX, EndpointOptions.AUTH_TOKEN_HEADER_PREFIX)) {
                for (String key : r.keysStartingWith(prefix)) throw OptionReader.invalid(key, "is set but 'auth.token.url' is not");
            }
            for (ConfigOption<?> o : List.of(EndpointOptions.AUTH_TOKEN_PATH, EndpointOptions.AUTH_TOKEN_EXPIRES_IN_PATH,
                    EndpointOptions.AUTH_TOKEN_METHOD, EndpointOptions.AUTH_TOKEN_BODY_KIND, EndpointOptions.AUTH_TOKEN_BODY_TEMPLATE,
                    EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH, EndpointOptions.AUTH_TOKEN_SIGNED)) {
                if (r.isSet(o)) throw OptionReader.invalid(o.key(), "is set but 'auth.token.url' is not");
            }
        }
        String refreshTokenPath = pointer(r, EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH, false);
        String refreshTokenProperty = r.string(EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PROPERTY);
        if (refreshTokenPath != null
                && !tokenRequest.placeholders().contains(Placeholders.TENANT_PREFIX + refreshTokenProperty)) {
            throw OptionReader.invalid(EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH.key(), "is set but no token request template"
                    + " reads the refresh token as ${" + Placeholders.TENANT_PREFIX + refreshTokenProperty
                    + "} (option '" + EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PROPERTY.key() + "')");
        }
        boolean signed = r.bool(EndpointOptions.AUTH_TOKEN_SIGNED);
        if (signed && signer == SignerKind.NONE) {
            throw OptionReader.invalid(EndpointOptions.AUTH_TOKEN_SIGNED.key(), "is true but 'auth.signer' is none");
        }
        return new AuthSettings(signer, secretProperty != null ? secretProperty : signer.defaultSecretProperty(),
                r.string(EndpointOptions.AUTH_TOKEN_PROPERTY), tokenRequest, tokenPath,
                pointer(r, EndpointOptions.AUTH_TOKEN_EXPIRES_IN_PATH, false),
                r.enumValue(EndpointOptions.AUTH_TOKEN_EXPIRES_IN_UNIT, ExpiresInUnit.class),
                r.duration(EndpointOptions.AUTH_TOKEN_DEFAULT_TTL, true), r.duration(EndpointOptions.AUTH_TOKEN_REFRESH_MARGIN, false),
                r.integer(EndpointOptions.AUTH_TOKEN_MAX_REFRESHES, 0), refreshTokenPath, refreshTokenProperty, signed);
    }

    // ------------------------------------------------------------------ cross-option validation

    private void validateTemplates() {
        validateTemplates(request, Placeholders.Scope.LIST_REQUEST);
        if (auth.tokenRequest() != null) validateTemplates(auth.tokenRequest(), Placeholders.Scope.TOKEN_REQUEST);
    }

    private void validateTemplates(RequestTemplate template, Placeholders.Scope scope) {
        template.templatesByOptionKey().forEach((key, t) -> {
            for (String name : t.placeholders()) {
                String problem = Placeholders.problem(name, scope, pagination.style());
                if (problem != null) throw OptionReader.invalid(key, problem);
            }
            if (t.isJson()) validateJson(key, t);
        });
    }

    /** A JSON template must be a JSON document once filled, and text values must stand inside quotes. */
    private void validateJson(String key, Template t) {
        for (String name : t.unquotedPlaceholders()) {
            if (Placeholders.isText(name, timeFormat.isEpoch())) {
                throw OptionReader.invalid(key, "placeholder ${" + name + "} gives text and must stand inside a JSON string: \"${" + name + "}\"");
            }
        }
        String sample = t.render(name -> "0");
        try {
            JSON.readTree(sample);
        } catch (JsonProcessingException e) {
            throw OptionReader.invalid(key, "is not a JSON document once its placeholders are filled (" + e.getOriginalMessage() + ")");
        }
    }

    private void validatePaging() {
        PaginationStyle style = pagination.style();
        for (ConfigOption<String> path : style.paging().requiredPaths()) {
            if (!options.containsKey(path.key())) {
                throw OptionReader.invalid(path.key(), "is required with pagination.style '" + style.optionValue() + "'");
            }
        }
        boolean capped = pagination.maxPages() != null || pagination.maxRecords() != null;
        if (capped && !hasBackwardPaging()) {
            requireRecordPath(EndpointOptions.RESPONSE_RECORD_TIME_PATH, response.recordTimePath(),
                    "a deep-paging cap without a total (to tell where paging stopped)");
        }
    }

    /**
     * Checks what a scan source (not a lookup) needs beyond a valid description: every record's id and time, which go
     * with it to the sink and decide the sync position. Called where a scan source is built (the DataStream builder,
     * which the SQL table factory and the job configs use too).
     *
     * @throws IllegalArgumentException naming the option that is missing
     */
    public void requireScanFields() {
        requireRecordPath(EndpointOptions.RESPONSE_RECORD_ID_PATH, response.recordIdPath(), "a scan source (every record's id goes to the sink)");
        requireRecordPath(EndpointOptions.RESPONSE_RECORD_TIME_PATH, response.recordTimePath(),
                "a scan source (every record's update time goes to the sink and decides the sync position)");
    }

    private static void requireRecordPath(ConfigOption<String> option, String value, String neededBy) {
        if (value == null) throw OptionReader.invalid(option.key(), "is required with " + neededBy);
    }

    // ------------------------------------------------------------------ accessors

    /** A short name of the endpoint for events and logs. */
    public String name() {
        return name;
    }

    /** The list request's template; internal: the fetcher renders it, users describe it with options. */
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

    /** The window end as sent: one unit of {@code time.format} earlier when the platform includes the end. */
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

    /** Whether page/offset paging reads backwards from the last page (it does when a total is configured). */
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
     * The name and the options. Templates reference secrets by placeholder; a parameter or header that looks secret
     * (by its name, or an Authorization header) and holds a literal value is masked.
     */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        options.forEach((k, v) -> shown.put(k, isLiteralSecret(k, v) ? "******" : v));
        return "EndpointSpec{" + name + ", " + shown + "}";
    }

    /**
     * The values of options that hold a secret literally (a secret-looking parameter or header, an
     * {@code Authorization} header, a Redis URI with a password), to be masked wherever a message might echo them.
     */
    public List<String> literalSecrets() {
        List<String> secrets = new ArrayList<>();
        options.forEach((k, v) -> {
            if (isLiteralSecret(k, v)) secrets.add(v);
        });
        return secrets;
    }

    private static boolean isLiteralSecret(String key, String value) {
        if (key.equals(EndpointOptions.RATE_LIMIT_REDIS_URI.key())) return value.contains("@"); // redis://user:password@host
        if (value.contains("${")) return false;
        for (String prefix : EndpointOptions.prefixes()) {
            if (key.startsWith(prefix)) {
                String name = key.substring(prefix.length());
                return Tenant.isSecretKey(name) || name.equalsIgnoreCase("authorization") || name.equalsIgnoreCase("sign");
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ serialization: the options only

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
     * Builds a description option by option, starting empty or from a preset. Not thread-safe. Typed values are
     * written as options spell them (durations as {@code 30 s}, lists joined by {@code ;}, enums lower case).
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
            return set(EndpointOptions.REQUEST_BIZ_PARAM_NAME, name).set(EndpointOptions.REQUEST_BIZ_PARAM_TEMPLATE, template);
        }

        /** A templated parameter of the token request ({@code auth.token.param.<name>}). */
        public Builder tokenParam(String name, String template) {
            return set(EndpointOptions.AUTH_TOKEN_PARAM_PREFIX + name, template);
        }

        /** @throws IllegalArgumentException naming the first invalid option */
        public EndpointSpec build() {
            return fromOptions(options);
        }

        private static String write(Object value) {
            if (value instanceof Duration d) return TimeUtils.formatWithHighestUnit(d);
            if (value instanceof OptionEnum e) return e.optionValue();
            if (value instanceof Double d) return OptionReader.writeDouble(d);
            if (value instanceof Collection<?> c) return c.stream().map(Builder::write).collect(Collectors.joining(";"));
            return String.valueOf(value);
        }
    }
}
