package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.SignerKind;
import io.httpsync.connector.endpoint.EndpointSpec.AuthSettings;
import io.httpsync.connector.endpoint.EndpointSpec.ErrorSettings;
import io.httpsync.connector.endpoint.EndpointSpec.PaginationSettings;
import io.httpsync.connector.endpoint.EndpointSpec.PlatformLimits;
import io.httpsync.connector.endpoint.EndpointSpec.ResponseSettings;
import io.httpsync.connector.endpoint.EndpointSpec.RetrySettings;
import io.httpsync.connector.endpoint.EndpointSpec.TokenStep;
import io.httpsync.connector.endpoint.template.Placeholders;
import io.httpsync.connector.endpoint.template.Template;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.RateLimitOptions;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.util.TimeUtils;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads an {@link EndpointSpec} from the flat options of {@link EndpointOptions} and validates it:
 * each option on its own (type, range) and across options (templates against the paging style, a
 * token URL that no template uses, what a paging style or a deep-paging cap needs). Every message
 * names the offending option. Stateless; the value it builds is immutable.
 */
@Internal
final class EndpointReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double MAX_PERMITS = 1_000_000;

    private EndpointReader() {}

    /**
     * Reads and validates a description.
     *
     * @throws IllegalArgumentException naming the option that is missing, unknown or invalid
     */
    static EndpointSpec read(Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        r.failOnUnknownKeys();
        RequestTemplate request = readRequest(r, RequestTemplate.LIST_REQUEST);
        String givenName = r.string(EndpointOptions.NAME);
        String name = givenName != null ? givenName : defaultName(request.url().source());
        Duration requestTimeout = r.duration(EndpointOptions.REQUEST_TIMEOUT, true);
        TimeFormat timeFormat =
                timeFormat(
                        EndpointOptions.TIME_FORMAT.key(), r.string(EndpointOptions.TIME_FORMAT));
        ZoneId timeZone = zone(r.string(EndpointOptions.TIME_ZONE));
        boolean windowEndInclusive = r.bool(EndpointOptions.WINDOW_END_INCLUSIVE);
        QueryTimeField queryTimeField =
                r.enumValue(EndpointOptions.QUERY_TIME_FIELD, QueryTimeField.class);
        SortOrder sort = r.enumValue(EndpointOptions.SORT, SortOrder.class);
        PlatformLimits limits =
                new PlatformLimits(
                        r.duration(EndpointOptions.WINDOW_MAX_WIDTH, true),
                        r.duration(EndpointOptions.WINDOW_LOOK_BACK, true));
        PaginationSettings pagination = readPagination(r);
        ResponseSettings response = readResponse(r, timeFormat);
        ErrorSettings errors = readErrors(r);
        RetrySettings retry = readRetry(r);
        AuthSettings auth = readAuth(r);
        // user classes are loaded where they run (the job's class loader); here only named
        className(r, EndpointOptions.RESPONSE_TRANSFORMER);
        className(r, EndpointOptions.REQUEST_SIGNER);
        RateLimitSpec rateLimits = readRateLimits(r, name, retry);
        Duration logSummaryInterval = r.duration(EndpointOptions.LOG_SUMMARY_INTERVAL, false);
        if (logSummaryInterval.isNegative())
            throw OptionReader.invalid(
                    EndpointOptions.LOG_SUMMARY_INTERVAL.key(), "must not be negative");
        EndpointSpec spec =
                new EndpointSpec(
                        r.canonical(),
                        name,
                        request,
                        requestTimeout,
                        timeFormat,
                        timeZone,
                        windowEndInclusive,
                        queryTimeField,
                        sort,
                        pagination,
                        response,
                        errors,
                        retry,
                        auth,
                        limits,
                        rateLimits,
                        logSummaryInterval);
        validateTemplates(spec);
        validatePaging(spec, r.canonical());
        if (auth.tokenRequest() != null && !spec.usesToken()) {
            throw OptionReader.invalid(
                    EndpointOptions.AUTH_TOKEN_URL.key(),
                    "is set but no request template uses ${token}");
        }
        return spec;
    }

    private static RequestTemplate readRequest(OptionReader r, RequestTemplate.Keys keys) {
        boolean list = keys == RequestTemplate.LIST_REQUEST;
        // the list request, the token request and each step of a login are read alike, from
        // their own keys (the defaults are the same: GET, no body)
        String url = r.requiredString(ConfigOptions.key(keys.url()).stringType().noDefaultValue());
        HttpMethod method =
                r.enumValue(
                        ConfigOptions.key(keys.method())
                                .enumType(HttpMethod.class)
                                .defaultValue(HttpMethod.GET),
                        HttpMethod.class);
        BodyKind bodyKind =
                r.enumValue(
                        ConfigOptions.key(keys.bodyKind())
                                .enumType(BodyKind.class)
                                .defaultValue(BodyKind.NONE),
                        BodyKind.class);
        String body =
                r.string(ConfigOptions.key(keys.bodyTemplate()).stringType().noDefaultValue());
        if (method == HttpMethod.GET && bodyKind != BodyKind.NONE) {
            throw OptionReader.invalid(
                    keys.bodyKind(),
                    "'" + bodyKind.optionValue() + "' needs " + keys.method() + " = POST");
        }
        if (bodyKind == BodyKind.JSON && body == null) {
            throw OptionReader.invalid(
                    keys.bodyTemplate(), "is required with " + keys.bodyKind() + " = json");
        }
        if (bodyKind != BodyKind.JSON && body != null) {
            throw OptionReader.invalid(
                    keys.bodyTemplate(), "is only used with " + keys.bodyKind() + " = json");
        }
        Map<String, Template> byKey = new LinkedHashMap<>();
        Template urlTemplate = compile(byKey, keys.url(), url, false);
        if (!url.startsWith("${") && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw OptionReader.invalid(
                    keys.url(), "'" + url + "' is not an http:// or https:// URL");
        }
        Map<String, Template> params = new LinkedHashMap<>();
        r.prefixed(keys.paramPrefix())
                .forEach((n, v) -> params.put(n, compile(byKey, keys.paramPrefix() + n, v, false)));
        Map<String, Template> headers = new LinkedHashMap<>();
        r.prefixed(keys.headerPrefix())
                .forEach(
                        (n, v) ->
                                headers.put(n, compile(byKey, keys.headerPrefix() + n, v, false)));
        Template bodyTemplate =
                body == null ? null : compile(byKey, keys.bodyTemplate(), body, true);
        String bizName = null;
        Template biz = null;
        if (list) {
            bizName = r.string(EndpointOptions.REQUEST_BIZ_PARAM_NAME);
            String bizTemplate = r.string(EndpointOptions.REQUEST_BIZ_PARAM_TEMPLATE);
            if ((bizName == null) != (bizTemplate == null)) {
                throw OptionReader.invalid(
                        bizName == null ? keys.bizName() : keys.bizTemplate(),
                        "is required together with '"
                                + (bizName == null ? keys.bizTemplate() : keys.bizName())
                                + "'");
            }
            if (bizName != null && params.containsKey(bizName)) {
                throw OptionReader.invalid(
                        keys.bizName(),
                        "'" + bizName + "' is also set as " + keys.paramPrefix() + bizName);
            }
            biz =
                    bizTemplate == null
                            ? null
                            : compile(byKey, keys.bizTemplate(), bizTemplate, true);
        }
        return new RequestTemplate(
                urlTemplate, method, bodyKind, params, headers, bodyTemplate, bizName, biz, byKey);
    }

    private static Template compile(
            Map<String, Template> byKey, String key, String source, boolean json) {
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
            throw OptionReader.invalid(
                    EndpointOptions.TIME_ZONE.key(),
                    "'" + text + "' is not a time zone like Asia/Shanghai or UTC");
        }
    }

    private static PaginationSettings readPagination(OptionReader r) {
        PaginationStyle style =
                r.enumValue(EndpointOptions.PAGINATION_STYLE, PaginationStyle.class);
        int startPage = r.integer(EndpointOptions.PAGINATION_START_PAGE, 0);
        if (startPage > 1)
            throw OptionReader.invalid(
                    EndpointOptions.PAGINATION_START_PAGE.key(), startPage + " is neither 0 nor 1");
        int pageSize = r.integer(EndpointOptions.PAGINATION_PAGE_SIZE, 1);
        Integer maxPageSize = r.integer(EndpointOptions.PAGINATION_MAX_PAGE_SIZE, 1);
        if (maxPageSize != null && pageSize > maxPageSize) {
            throw OptionReader.invalid(
                    EndpointOptions.PAGINATION_PAGE_SIZE.key(),
                    pageSize
                            + " exceeds '"
                            + EndpointOptions.PAGINATION_MAX_PAGE_SIZE.key()
                            + "' "
                            + maxPageSize);
        }
        Integer maxPages = r.integer(EndpointOptions.PAGINATION_MAX_PAGES, 1);
        Long maxRecords = r.longValue(EndpointOptions.PAGINATION_MAX_RECORDS, 1);
        if (maxRecords != null && maxRecords < pageSize) {
            throw OptionReader.invalid(
                    EndpointOptions.PAGINATION_MAX_RECORDS.key(),
                    maxRecords
                            + " is less than one page of "
                            + EndpointOptions.PAGINATION_PAGE_SIZE.key()
                            + " "
                            + pageSize);
        }
        List<String> markers = r.stringList(EndpointOptions.PAGINATION_CURSOR_END_MARKERS);
        return new PaginationSettings(
                style,
                startPage,
                pageSize,
                maxPageSize,
                maxPages,
                maxRecords,
                r.bool(EndpointOptions.PAGINATION_SHORT_PAGE_ENDS),
                markers == null ? List.of() : List.copyOf(markers),
                r.integer(EndpointOptions.PAGINATION_MAX_PASSES, 1));
    }

    private static ResponseSettings readResponse(OptionReader r, TimeFormat timeFormat) {
        String records = pointer(r, EndpointOptions.RESPONSE_RECORDS_PATH, true);
        String totalPath = pointer(r, EndpointOptions.RESPONSE_TOTAL_PATH, false);
        if (r.isSet(EndpointOptions.RESPONSE_TOTAL_KIND) && totalPath == null) {
            throw OptionReader.invalid(
                    EndpointOptions.RESPONSE_TOTAL_KIND.key(),
                    "needs '" + EndpointOptions.RESPONSE_TOTAL_PATH.key() + "'");
        }
        List<String> codePaths = pointers(r, EndpointOptions.RESPONSE_ERROR_CODE_PATH);
        List<String> messagePaths = pointers(r, EndpointOptions.RESPONSE_ERROR_MESSAGE_PATH);
        String hasNextPath = pointer(r, EndpointOptions.RESPONSE_HAS_NEXT_PATH, false);
        String lastPagePath = pointer(r, EndpointOptions.RESPONSE_LAST_PAGE_PATH, false);
        if (hasNextPath != null && lastPagePath != null) {
            throw OptionReader.invalid(
                    EndpointOptions.RESPONSE_LAST_PAGE_PATH.key(),
                    "is set together with '"
                            + EndpointOptions.RESPONSE_HAS_NEXT_PATH.key()
                            + "'; a platform's end flag is one or the other (has-next"
                            + " false, or last-page true ends a window): set only the one the response carries");
        }
        String timeFormatText = r.string(EndpointOptions.RESPONSE_RECORD_TIME_FORMAT);
        TimeFormat recordTimeFormat =
                timeFormatText == null
                        ? timeFormat
                        : timeFormat(
                                EndpointOptions.RESPONSE_RECORD_TIME_FORMAT.key(), timeFormatText);
        return new ResponseSettings(
                records,
                pointer(r, EndpointOptions.RESPONSE_CURSOR_PATH, false),
                hasNextPath,
                lastPagePath,
                totalPath,
                r.enumValue(EndpointOptions.RESPONSE_TOTAL_KIND, TotalKind.class),
                codePaths,
                messagePaths,
                pointer(r, EndpointOptions.RESPONSE_RECORD_ID_PATH, false),
                pointer(r, EndpointOptions.RESPONSE_RECORD_TIME_PATH, false),
                recordTimeFormat,
                r.bool(EndpointOptions.RESPONSE_SINGLE_RECORD),
                r.bool(EndpointOptions.RESPONSE_RECORDS_MAY_BE_ABSENT),
                r.memorySize(EndpointOptions.RESPONSE_MAX_BODY_SIZE).getBytes(),
                pointers(r, EndpointOptions.RESPONSE_JSON_STRING_PATHS));
    }

    private static void className(OptionReader r, ConfigOption<String> option) {
        String name = r.string(option);
        if (name != null
                && !name.trim()
                        .matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
            throw OptionReader.invalid(
                    option.key(), "'" + name + "' is not a class name like com.acme.MyClass");
        }
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
            throw OptionReader.invalid(
                    EndpointOptions.ERROR_BAN_SECONDS_REGEX.key(),
                    "needs a group capturing the seconds, like (\\d+)");
        }
        return new ErrorSettings(
                codes(r, EndpointOptions.ERROR_SUCCESS_CODES),
                codes(r, EndpointOptions.ERROR_RATE_LIMITED_CODES),
                codes(r, EndpointOptions.ERROR_TOKEN_EXPIRED_CODES),
                codes(r, EndpointOptions.ERROR_RETRYABLE_CODES),
                statuses(r, EndpointOptions.ERROR_RATE_LIMITED_STATUSES),
                statuses(r, EndpointOptions.ERROR_TOKEN_EXPIRED_STATUSES),
                statuses(r, EndpointOptions.ERROR_RETRYABLE_STATUSES),
                regex(r, EndpointOptions.ERROR_RATE_LIMITED_MESSAGE_REGEX),
                regex(r, EndpointOptions.ERROR_RATE_LIMITED_BODY_REGEX),
                banSeconds,
                List.copyOf(r.stringList(EndpointOptions.ERROR_WAIT_HEADERS)));
    }

    private static List<String> codes(OptionReader r, ConfigOption<List<String>> option) {
        List<String> c = r.stringList(option);
        return c == null ? List.of() : List.copyOf(c);
    }

    private static List<Integer> statuses(OptionReader r, ConfigOption<List<Integer>> option) {
        List<Integer> s = r.intList(option);
        for (int status : s) {
            if (status < 100 || status > 599)
                throw OptionReader.invalid(option.key(), status + " is not an HTTP status");
        }
        return List.copyOf(s);
    }

    private static Pattern regex(OptionReader r, ConfigOption<String> option) {
        String s = r.string(option);
        if (s == null) return null;
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw OptionReader.invalid(
                    option.key(),
                    "'" + s + "' is not a valid regular expression (" + e.getDescription() + ")");
        }
    }

    private static RetrySettings readRetry(OptionReader r) {
        Duration initial = r.duration(EndpointOptions.RETRY_INITIAL_BACKOFF, true);
        Duration max = r.duration(EndpointOptions.RETRY_MAX_BACKOFF, true);
        if (max.compareTo(initial) < 0) {
            throw OptionReader.invalid(
                    EndpointOptions.RETRY_MAX_BACKOFF.key(),
                    TimeUtils.formatWithHighestUnit(max)
                            + " is less than '"
                            + EndpointOptions.RETRY_INITIAL_BACKOFF.key()
                            + "' "
                            + TimeUtils.formatWithHighestUnit(initial));
        }
        double permits =
                checkPermits(r.doubleValue(RateLimitOptions.PERMITS_PER_SECOND, 0, MAX_PERMITS));
        return new RetrySettings(
                r.integer(EndpointOptions.RETRY_MAX_ATTEMPTS, 1),
                initial,
                max,
                r.doubleValue(EndpointOptions.RETRY_BACKOFF_MULTIPLIER, 1, 100),
                r.doubleValue(EndpointOptions.RETRY_JITTER, 0, 1),
                r.integer(EndpointOptions.RETRY_MAX_RATE_LIMITED, 0),
                r.duration(EndpointOptions.RETRY_RATE_LIMITED_WAIT, true),
                permits,
                r.integer(RateLimitOptions.BURST, 1),
                r.duration(EndpointOptions.RETRY_MAX_PLATFORM_WAIT, true));
    }

    private static double checkPermits(double permits) {
        if (permits <= 0)
            throw OptionReader.invalid(
                    RateLimitOptions.PERMITS_PER_SECOND.key(), "must be positive");
        return permits;
    }

    /**
     * {@code spec} with another per-tenant request rate (options {@code
     * rate-limit.permits-per-second} and {@code rate-limit.burst}; null keeps the value), checked
     * as if read from the options, without reading them again.
     */
    static EndpointSpec withTenantRateLimit(
            EndpointSpec spec, Double permitsPerSecond, Integer burst) {
        ConfigOption<Double> permitsOption = RateLimitOptions.PERMITS_PER_SECOND;
        ConfigOption<Integer> burstOption = RateLimitOptions.BURST;
        RetrySettings old = spec.retry();
        double permits = permitsPerSecond != null ? permitsPerSecond : old.permitsPerSecond();
        if (!(permits <= MAX_PERMITS) || Double.isNaN(permits)) {
            throw OptionReader.invalid(
                    permitsOption.key(), permits + " is not within [0.0, " + MAX_PERMITS + "]");
        }
        checkPermits(permits);
        int b = burst != null ? burst : old.burst();
        if (b < 1) throw OptionReader.invalid(burstOption.key(), b + " is less than 1");
        RetrySettings retry =
                new RetrySettings(
                        old.maxAttempts(),
                        old.initialBackoff(),
                        old.maxBackoff(),
                        old.multiplier(),
                        old.jitter(),
                        old.maxRateLimited(),
                        old.rateLimitedWait(),
                        permits,
                        b,
                        old.maxPlatformWait());
        TreeMap<String, String> options = new TreeMap<>(spec.toOptions());
        if (permitsPerSecond != null)
            options.put(permitsOption.key(), OptionReader.writeDouble(permits));
        if (burst != null) options.put(burstOption.key(), String.valueOf(b));
        RateLimitSpec limits = spec.rateLimits();
        boolean bucketsConfigured =
                options.keySet().stream()
                        .anyMatch(k -> k.startsWith(RateLimitOptions.BUCKET_PREFIX));
        if (!bucketsConfigured) {
            limits =
                    new RateLimitSpec(
                            List.of(
                                    defaultTenantBucket(
                                            retry,
                                            !"false"
                                                    .equalsIgnoreCase(
                                                            options.getOrDefault(
                                                                            RateLimitOptions
                                                                                    .ADAPTIVE_ENABLED
                                                                                    .key(),
                                                                            "true")
                                                                    .trim()))),
                            limits.backend(),
                            limits.redisUri(),
                            limits.namespace(),
                            limits.api(),
                            limits.utilization(),
                            limits.adaptive(),
                            limits.maxTenants(),
                            limits.maxInFlightPerTenant());
        }
        return new EndpointSpec(
                options,
                spec.name(),
                spec.request(),
                spec.requestTimeout(),
                spec.timeFormat(),
                spec.timeZone(),
                spec.windowEndInclusive(),
                spec.queryTimeField(),
                spec.sort(),
                spec.pagination(),
                spec.response(),
                spec.errors(),
                retry,
                spec.auth(),
                spec.limits(),
                limits,
                spec.logSummaryInterval());
    }

    /**
     * Without any bucket option: one tenant bucket of {@code rate-limit.permits-per-second} and
     * {@code rate-limit.burst}.
     */
    private static BucketSpec defaultTenantBucket(RetrySettings retry, boolean adaptive) {
        long burst = retry.burst();
        return new BucketSpec(
                "tenant",
                BucketScope.TENANT,
                Math.max(burst, Math.round(retry.permitsPerSecond() + burst - 1)),
                Duration.ofSeconds(1),
                burst,
                1,
                adaptive);
    }

    private static RateLimitSpec readRateLimits(
            OptionReader r, String endpointName, RetrySettings retry) {
        Map<String, String> bucketOptions = r.prefixed(RateLimitOptions.BUCKET_PREFIX);
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String key : bucketOptions.keySet()) {
            int dot = key.lastIndexOf('.');
            String suffix = key.substring(dot + 1);
            if (dot <= 0 || !RateLimitOptions.BUCKET_SUFFIXES.contains(suffix)) {
                throw OptionReader.invalid(
                        RateLimitOptions.BUCKET_PREFIX + key,
                        "is unknown; a bucket option is "
                                + RateLimitOptions.BUCKET_PREFIX
                                + "<name>.("
                                + String.join("|", RateLimitOptions.BUCKET_SUFFIXES)
                                + ")");
            }
            names.add(key.substring(0, dot));
        }
        List<BucketSpec> buckets = new java.util.ArrayList<>();
        for (String bucket : names) buckets.add(readBucket(r, bucket, adaptiveDefault(r)));
        if (buckets.isEmpty())
            buckets.add(defaultTenantBucket(retry, r.bool(RateLimitOptions.ADAPTIVE_ENABLED)));
        RateLimitSpec.Backend backend =
                r.enumValue(RateLimitOptions.BACKEND, RateLimitSpec.Backend.class);
        String redisUri = r.string(RateLimitOptions.REDIS_URI);
        if (backend == RateLimitSpec.Backend.REDIS && (redisUri == null || redisUri.isBlank())) {
            throw OptionReader.invalid(
                    RateLimitOptions.REDIS_URI.key(),
                    "is required with " + RateLimitOptions.BACKEND.key() + " = redis");
        }
        String api = r.string(RateLimitOptions.API);
        RateLimitSpec.Adaptive adaptive =
                new RateLimitSpec.Adaptive(
                        r.doubleValue(RateLimitOptions.ADAPTIVE_INITIAL, 0.001, 1),
                        r.doubleValue(RateLimitOptions.ADAPTIVE_INCREASE, 0.0001, 1),
                        r.doubleValue(RateLimitOptions.ADAPTIVE_DECREASE, 0.01, 0.99),
                        r.doubleValue(RateLimitOptions.ADAPTIVE_TARGET, 0.1, 1),
                        r.duration(RateLimitOptions.ADAPTIVE_INTERVAL, true).toMillis());
        return new RateLimitSpec(
                buckets,
                backend,
                redisUri,
                r.requiredString(RateLimitOptions.NAMESPACE),
                api != null ? api : endpointName,
                r.doubleValue(RateLimitOptions.UTILIZATION, 0.1, 1),
                adaptive,
                r.integer(RateLimitOptions.MAX_TENANTS, 0),
                r.integer(RateLimitOptions.MAX_IN_FLIGHT, 0));
    }

    /** {@code rate-limit.adaptive.enabled}: whether a bucket that does not say adapts. */
    private static boolean adaptiveDefault(OptionReader r) {
        return r.bool(RateLimitOptions.ADAPTIVE_ENABLED);
    }

    private static BucketSpec readBucket(OptionReader r, String bucket, boolean adaptiveDefault) {
        ConfigOption<BucketScope> scopeOption = RateLimitOptions.bucketScope(bucket);
        BucketScope scope = r.enumValue(scopeOption, BucketScope.class);
        if (scope == null) throw OptionReader.invalid(scopeOption.key(), "is required");
        ConfigOption<Long> permitsOption = RateLimitOptions.bucketPermits(bucket);
        Long permits = r.longValue(permitsOption, 1);
        if (permits == null) throw OptionReader.invalid(permitsOption.key(), "is required");
        ConfigOption<String> periodOption = RateLimitOptions.bucketPeriod(bucket);
        Duration period = period(periodOption.key(), r.string(periodOption));
        ConfigOption<Long> burstOption = RateLimitOptions.bucketBurst(bucket);
        long burst = r.longValue(burstOption, 1);
        if (burst > permits)
            throw OptionReader.invalid(
                    burstOption.key(), burst + " is more than the bucket's permits " + permits);
        ConfigOption<Long> weightOption = RateLimitOptions.bucketWeight(bucket);
        long weight = r.longValue(weightOption, 1);
        if (weight > burst) {
            throw OptionReader.invalid(
                    weightOption.key(),
                    weight
                            + " is more than the bucket's burst "
                            + burst
                            + ", so a request could never go");
        }
        return new BucketSpec(
                bucket,
                scope,
                permits,
                period,
                burst,
                weight,
                r.optionalBool(RateLimitOptions.bucketAdaptive(bucket), adaptiveDefault));
    }

    private static Duration period(String key, String text) {
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "second":
                return Duration.ofSeconds(1);
            case "minute":
                return Duration.ofMinutes(1);
            case "hour":
                return Duration.ofHours(1);
            case "day":
                return Duration.ofDays(1);
            default:
                try {
                    Duration d = TimeUtils.parseDuration(text);
                    if (!d.isNegative() && !d.isZero()) return d;
                } catch (RuntimeException ignored) {
                    // reported below with the accepted spellings
                }
                throw OptionReader.invalid(
                        key,
                        "'"
                                + text
                                + "' is not second, minute, hour, day or a positive duration like '20 s'");
        }
    }

    private static AuthSettings readAuth(OptionReader r) {
        SignerKind signer = r.enumValue(EndpointOptions.AUTH_SIGNER, SignerKind.class);
        String secretProperty = r.string(EndpointOptions.AUTH_SIGNER_SECRET_PROPERTY);
        if (secretProperty != null && signer == SignerKind.NONE) {
            throw OptionReader.invalid(
                    EndpointOptions.AUTH_SIGNER_SECRET_PROPERTY.key(),
                    "is set but 'auth.signer' is none");
        }
        RequestTemplate tokenRequest = null;
        String tokenPath = null;
        List<TokenStep> steps = List.of();
        if (r.isSet(EndpointOptions.AUTH_TOKEN_URL)) {
            tokenRequest = readRequest(r, RequestTemplate.TOKEN_REQUEST);
            tokenPath = pointer(r, EndpointOptions.AUTH_TOKEN_PATH, true);
            steps = readTokenSteps(r, tokenRequest);
        } else {
            for (String prefix :
                    List.of(
                            EndpointOptions.AUTH_TOKEN_PARAM_PREFIX,
                            EndpointOptions.AUTH_TOKEN_HEADER_PREFIX,
                            EndpointOptions.AUTH_TOKEN_STEP_PREFIX)) {
                for (String key : r.keysStartingWith(prefix))
                    throw OptionReader.invalid(key, "is set but 'auth.token.url' is not");
            }
            for (ConfigOption<?> o :
                    List.of(
                            EndpointOptions.AUTH_TOKEN_PATH,
                            EndpointOptions.AUTH_TOKEN_EXPIRES_IN_PATH,
                            EndpointOptions.AUTH_TOKEN_METHOD,
                            EndpointOptions.AUTH_TOKEN_BODY_KIND,
                            EndpointOptions.AUTH_TOKEN_BODY_TEMPLATE,
                            EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH,
                            EndpointOptions.AUTH_TOKEN_SIGNED,
                            EndpointOptions.AUTH_TOKEN_STEPS)) {
                if (r.isSet(o))
                    throw OptionReader.invalid(o.key(), "is set but 'auth.token.url' is not");
            }
        }
        String refreshTokenPath = pointer(r, EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH, false);
        String refreshTokenProperty = r.string(EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PROPERTY);
        if (refreshTokenPath != null
                && !tokenRequest
                        .placeholders()
                        .contains(Placeholders.TENANT_PREFIX + refreshTokenProperty)) {
            throw OptionReader.invalid(
                    EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH.key(),
                    "is set but no token request template"
                            + " reads the refresh token as ${"
                            + Placeholders.TENANT_PREFIX
                            + refreshTokenProperty
                            + "} (option '"
                            + EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PROPERTY.key()
                            + "')");
        }
        boolean signed = r.bool(EndpointOptions.AUTH_TOKEN_SIGNED);
        if (signed && signer == SignerKind.NONE) {
            throw OptionReader.invalid(
                    EndpointOptions.AUTH_TOKEN_SIGNED.key(), "is true but 'auth.signer' is none");
        }
        return new AuthSettings(
                signer,
                secretProperty != null ? secretProperty : signer.defaultSecretProperty(),
                r.string(EndpointOptions.AUTH_TOKEN_PROPERTY),
                tokenRequest,
                tokenPath,
                pointer(r, EndpointOptions.AUTH_TOKEN_EXPIRES_IN_PATH, false),
                r.enumValue(EndpointOptions.AUTH_TOKEN_EXPIRES_IN_UNIT, ExpiresInUnit.class),
                r.duration(EndpointOptions.AUTH_TOKEN_DEFAULT_TTL, true),
                r.duration(EndpointOptions.AUTH_TOKEN_REFRESH_MARGIN, false),
                r.integer(EndpointOptions.AUTH_TOKEN_MAX_REFRESHES, 0),
                refreshTokenPath,
                refreshTokenProperty,
                signed,
                steps);
    }

    /**
     * The steps of a login in several requests ({@code auth.token.steps}, {@code
     * auth.token.step.<step>.*}), checked: every step is named in the list and has a URL and at
     * least one value, and every {@code ${step.<step>.<value>}} names a value of an earlier step.
     */
    private static List<TokenStep> readTokenSteps(OptionReader r, RequestTemplate tokenRequest) {
        String stepsKey = EndpointOptions.AUTH_TOKEN_STEPS.key();
        List<String> names = r.stringList(EndpointOptions.AUTH_TOKEN_STEPS);
        List<String> declared = names == null ? List.of() : names;
        for (String key : r.keysStartingWith(EndpointOptions.AUTH_TOKEN_STEP_PREFIX)) {
            String rest = key.substring(EndpointOptions.AUTH_TOKEN_STEP_PREFIX.length());
            int dot = rest.indexOf('.');
            String step = dot < 0 ? rest : rest.substring(0, dot);
            if (!declared.contains(step)) {
                throw OptionReader.invalid(
                        key,
                        "is a setting of step '"
                                + step
                                + "', which option '"
                                + stepsKey
                                + "' does not name"
                                + (declared.isEmpty() ? "" : " (it names " + declared + ")"));
            }
        }
        List<TokenStep> steps = new java.util.ArrayList<>();
        java.util.Set<String> available = new java.util.HashSet<>();
        for (String step : declared) {
            if (!step.matches("[A-Za-z0-9_-]+")
                    || steps.stream().anyMatch(s -> s.name().equals(step))) {
                throw OptionReader.invalid(
                        stepsKey,
                        "'"
                                + step
                                + "' is not a step name (letters, digits, '-' and '_', each once)");
            }
            RequestTemplate.Keys keys = RequestTemplate.tokenStep(step);
            String prefix = EndpointOptions.AUTH_TOKEN_STEP_PREFIX + step + ".";
            for (String key : r.keysStartingWith(prefix)) {
                String setting = key.substring(prefix.length());
                boolean known =
                        List.of("url", "method", "body.kind", "body.template").contains(setting)
                                || setting.startsWith("param.")
                                || setting.startsWith("header.")
                                || setting.startsWith("path.");
                if (!known) {
                    throw OptionReader.invalid(
                            key,
                            "is unknown; a step's settings are "
                                    + prefix
                                    + "(url|method|body.kind|body.template|param.<name>|header.<name>|path.<value>)");
                }
            }
            RequestTemplate request = readRequest(r, keys);
            checkStepReferences(request, available);
            Map<String, String> paths = new LinkedHashMap<>();
            r.prefixed(prefix + "path.")
                    .forEach(
                            (value, pointer) -> {
                                JsonPointers.compile(prefix + "path." + value, pointer);
                                paths.put(value, pointer);
                                available.add(Placeholders.STEP_PREFIX + step + "." + value);
                            });
            if (paths.isEmpty()) {
                throw OptionReader.invalid(
                        prefix + "path.<value>",
                        "is required: step '"
                                + step
                                + "' must hand at least one value of its answer to the next request");
            }
            steps.add(new TokenStep(step, request, Map.copyOf(paths)));
        }
        checkStepReferences(tokenRequest, available);
        return List.copyOf(steps);
    }

    /** Fails on a {@code ${step.<step>.<value>}} that no earlier step provides. */
    private static void checkStepReferences(
            RequestTemplate request, java.util.Set<String> available) {
        request.templatesByOptionKey()
                .forEach(
                        (key, t) -> {
                            for (String name : t.placeholders()) {
                                if (name.startsWith(Placeholders.STEP_PREFIX)
                                        && !available.contains(name)) {
                                    throw OptionReader.invalid(
                                            key,
                                            "placeholder ${"
                                                    + name
                                                    + "} is no value of an earlier step; available are "
                                                    + new java.util.TreeSet<>(available)
                                                    + " (option '"
                                                    + EndpointOptions.AUTH_TOKEN_STEPS.key()
                                                    + "' orders the steps, '"
                                                    + EndpointOptions.AUTH_TOKEN_STEP_PREFIX
                                                    + "<step>.path.<value>' names their values)");
                                }
                            }
                        });
    }

    // ------------------------------------------------------------------ cross-option validation

    private static void validateTemplates(EndpointSpec spec) {
        validateTemplates(spec, spec.request(), Placeholders.Scope.LIST_REQUEST);
        if (spec.auth().tokenRequest() != null)
            validateTemplates(spec, spec.auth().tokenRequest(), Placeholders.Scope.TOKEN_REQUEST);
        for (TokenStep step : spec.auth().tokenSteps())
            validateTemplates(spec, step.request(), Placeholders.Scope.TOKEN_REQUEST);
    }

    private static void validateTemplates(
            EndpointSpec spec, RequestTemplate template, Placeholders.Scope scope) {
        template.templatesByOptionKey()
                .forEach(
                        (key, t) -> {
                            for (String name : t.placeholders()) {
                                String problem =
                                        Placeholders.problem(
                                                name, scope, spec.pagination().style());
                                if (problem != null) throw OptionReader.invalid(key, problem);
                            }
                            if (t.isJson()) validateJson(key, t, spec.timeFormat());
                        });
    }

    /**
     * A JSON template must be a JSON document once filled, and text values must stand inside
     * quotes.
     */
    private static void validateJson(String key, Template t, TimeFormat timeFormat) {
        for (String name : t.unquotedPlaceholders()) {
            if (Placeholders.isText(name, timeFormat.isEpoch())) {
                throw OptionReader.invalid(
                        key,
                        "placeholder ${"
                                + name
                                + "} gives text and must stand inside a JSON string: \"${"
                                + name
                                + "}\"");
            }
        }
        String sample = t.render(name -> "0");
        try {
            JSON.readTree(sample);
        } catch (JsonProcessingException e) {
            throw OptionReader.invalid(
                    key,
                    "is not a JSON document once its placeholders are filled ("
                            + e.getOriginalMessage()
                            + ")");
        }
    }

    private static void validatePaging(EndpointSpec spec, Map<String, String> options) {
        PaginationSettings pagination = spec.pagination();
        ResponseSettings response = spec.response();
        PaginationStyle style = pagination.style();
        for (ConfigOption<String> path : style.paging().requiredPaths()) {
            if (options.get(path.key()) == null) {
                throw OptionReader.invalid(
                        path.key(),
                        "is required with pagination.style '" + style.optionValue() + "'");
            }
        }
        for (ConfigOption<String> flag :
                List.of(
                        EndpointOptions.RESPONSE_HAS_NEXT_PATH,
                        EndpointOptions.RESPONSE_LAST_PAGE_PATH)) {
            if (options.get(flag.key()) != null && !style.paging().endFlags().contains(flag)) {
                throw OptionReader.invalid(
                        flag.key(),
                        "is not read by pagination.style '"
                                + style.optionValue()
                                + "', which ends a window by "
                                + style.paging().endsBy());
            }
        }
        boolean capped = pagination.maxPages() != null || pagination.maxRecords() != null;
        if (capped && !spec.hasBackwardPaging()) {
            requireRecordPath(
                    EndpointOptions.RESPONSE_RECORD_TIME_PATH,
                    response.recordTimePath(),
                    "a deep-paging cap without a total (to tell where paging stopped)");
        }
    }

    /** See {@link EndpointSpec#requireScanFields()}. */
    static void requireScanFields(ResponseSettings response) {
        requireRecordPath(
                EndpointOptions.RESPONSE_RECORD_ID_PATH,
                response.recordIdPath(),
                "a scan source (every record's id goes to the sink)");
        requireRecordPath(
                EndpointOptions.RESPONSE_RECORD_TIME_PATH,
                response.recordTimePath(),
                "a scan source (every record's update time goes to the sink and decides the sync position)");
    }

    private static void requireRecordPath(
            ConfigOption<String> option, String value, String neededBy) {
        if (value == null) throw OptionReader.invalid(option.key(), "is required with " + neededBy);
    }
}
