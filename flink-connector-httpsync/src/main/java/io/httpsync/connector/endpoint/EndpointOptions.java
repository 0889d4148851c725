package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.SignerKind;
import io.httpsync.connector.ratelimit.RateLimitOptions;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option of an endpoint description but its rate limits ({@link RateLimitOptions}): the keys
 * {@link EndpointSpec#fromOptions} reads and {@link EndpointSpec#toOptions} writes, the same keys
 * the SQL connector's {@code WITH} clause will take. Values are strings; lists are separated by
 * {@code ;}; durations are written like {@code 30 s}, {@code 500 ms}, {@code 7 d}.
 *
 * <p>Templates (URL, parameters, headers, bodies) may use the placeholders of {@code
 * endpoint.template.Placeholders}: {@code ${window.start}}, {@code ${window.end}}, {@code ${page}},
 * {@code ${offset}}, {@code ${pageSize}}, {@code ${cursor}}, {@code ${keyset.time}}, {@code
 * ${keyset.id}}, {@code ${token}}, {@code ${tenant.id}}, {@code ${tenant.<property>}}, {@code
 * ${now}}, {@code ${now.epoch-millis}}, {@code ${now.epoch-seconds}}.
 */
@PublicEvolving
public final class EndpointOptions {
    private EndpointOptions() {}

    // ------------------------------------------------------------------ request

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A short name of the endpoint for exception events and logs; defaults to the URL without its query.");
    public static final ConfigOption<String> URL =
            ConfigOptions.key("url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The list API's URL (required). May contain placeholders, inserted unencoded.");
    public static final ConfigOption<HttpMethod> REQUEST_METHOD =
            ConfigOptions.key("request.method")
                    .enumType(HttpMethod.class)
                    .defaultValue(HttpMethod.GET)
                    .withDescription("GET or POST.");
    public static final ConfigOption<BodyKind> REQUEST_BODY_KIND =
            ConfigOptions.key("request.body.kind")
                    .enumType(BodyKind.class)
                    .defaultValue(BodyKind.NONE)
                    .withDescription(
                            "none: parameters in the query string; form: parameters form-encoded in the body (POST); "
                                    + "json: parameters in the query string, body from 'request.body.template' (POST).");
    public static final ConfigOption<String> REQUEST_BODY_TEMPLATE =
            ConfigOptions.key("request.body.template")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The JSON body template (with 'request.body.kind' = json). Placeholders inside JSON strings are JSON-escaped.");

    /** {@code request.param.<name>}: a templated query or form parameter. */
    public static final String REQUEST_PARAM_PREFIX = "request.param.";

    /** {@code request.header.<name>}: a templated header. */
    public static final String REQUEST_HEADER_PREFIX = "request.header.";

    public static final ConfigOption<String> REQUEST_BIZ_PARAM_NAME =
            ConfigOptions.key("request.biz-param.name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A parameter whose value is a JSON document built from 'request.biz-param.template' "
                                    + "(Kuaishou 'param', Jushuitan 'biz'). It is signed like any other parameter.");
    public static final ConfigOption<String> REQUEST_BIZ_PARAM_TEMPLATE =
            ConfigOptions.key("request.biz-param.template")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The JSON template of the business parameter.");
    public static final ConfigOption<String> REQUEST_SIGNER =
            ConfigOptions.key("request.signer")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The class of a CustomSigner (io.httpsync.connector.auth) that signs each list request"
                                    + " after it is rendered, for a signature 'auth.signer' has no family for. Loaded through"
                                    + " the job's class loader; see docs/extending.md.");
    public static final ConfigOption<Duration> REQUEST_TIMEOUT =
            ConfigOptions.key("request.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("How long one request may take before it is retried.");

    // ------------------------------------------------------------------ time and windows

    public static final ConfigOption<String> TIME_FORMAT =
            ConfigOptions.key("time.format")
                    .stringType()
                    .defaultValue(TimeFormat.EPOCH_MILLIS)
                    .withDescription(
                            "How times are sent: epoch-millis, epoch-seconds, or a DateTimeFormatter pattern such as 'yyyy-MM-dd HH:mm:ss'.");
    public static final ConfigOption<String> TIME_ZONE =
            ConfigOptions.key("time.zone")
                    .stringType()
                    .defaultValue("UTC")
                    .withDescription("The zone of patterned times, e.g. Asia/Shanghai.");
    public static final ConfigOption<Boolean> WINDOW_END_INCLUSIVE =
            ConfigOptions.key("window.end-inclusive")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the platform includes the end time; then ${window.end} is the end minus one time unit of 'time.format'.");
    public static final ConfigOption<Duration> WINDOW_MAX_WIDTH =
            ConfigOptions.key("window.max-width")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "The widest window the platform accepts (Kuaishou 7 d, TOP 1 d); the planner never plans wider.");
    public static final ConfigOption<Duration> WINDOW_LOOK_BACK =
            ConfigOptions.key("window.look-back")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How far back the platform lets you query (Kuaishou and TOP 90 d).");
    public static final ConfigOption<QueryTimeField> QUERY_TIME_FIELD =
            ConfigOptions.key("query.time-field")
                    .enumType(QueryTimeField.class)
                    .defaultValue(QueryTimeField.UPDATE)
                    .withDescription("Whether the window selects on update or create time.");
    public static final ConfigOption<SortOrder> SORT =
            ConfigOptions.key("sort")
                    .enumType(SortOrder.class)
                    .defaultValue(SortOrder.DESC)
                    .withDescription(
                            "The order the platform returns records in (desc: newest first).");

    // ------------------------------------------------------------------ pagination

    public static final ConfigOption<PaginationStyle> PAGINATION_STYLE =
            ConfigOptions.key("pagination.style")
                    .enumType(PaginationStyle.class)
                    .defaultValue(PaginationStyle.PAGE)
                    .withDescription(
                            "page, offset, cursor or keyset; docs/pagination.md says what each guarantees.");
    public static final ConfigOption<Integer> PAGINATION_START_PAGE =
            ConfigOptions.key("pagination.start-page")
                    .intType()
                    .defaultValue(1)
                    .withDescription("The number of the first page: 0 or 1.");
    public static final ConfigOption<Integer> PAGINATION_PAGE_SIZE =
            ConfigOptions.key("pagination.page-size")
                    .intType()
                    .defaultValue(50)
                    .withDescription("Records per page asked for (${pageSize}).");
    public static final ConfigOption<Integer> PAGINATION_MAX_PAGE_SIZE =
            ConfigOptions.key("pagination.max-page-size")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "The platform's largest page size; 'pagination.page-size' may not exceed it.");
    public static final ConfigOption<Integer> PAGINATION_MAX_PAGES =
            ConfigOptions.key("pagination.max-pages")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Deep-paging cap: the platform serves at most this many pages of one query (Youzan 100).");
    public static final ConfigOption<Long> PAGINATION_MAX_RECORDS =
            ConfigOptions.key("pagination.max-records")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "Deep-paging cap: page number times page size may not exceed this (Youzan 3200).");
    public static final ConfigOption<Boolean> PAGINATION_SHORT_PAGE_ENDS =
            ConfigOptions.key("pagination.short-page-ends")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the platform is known to serve the page size asked for, so that a page with fewer records"
                                    + " than 'pagination.page-size' is the last one (page, offset and keyset styles). false (the default): a"
                                    + " short page ends a window only after a full page of the same window, or when it holds exactly the total;"
                                    + " else paging goes on to an empty page, one request more per window; a platform that silently serves"
                                    + " fewer records than asked is then read completely. true saves that request, and loses every record"
                                    + " after the first page of a window if the platform serves fewer than asked. A has-next flag, where"
                                    + " configured, decides instead.");
    public static final ConfigOption<List<String>> PAGINATION_CURSOR_END_MARKERS =
            ConfigOptions.key("pagination.cursor.end-markers")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Cursor values that mean 'no more pages' (Kuaishou 'nomore'). A missing, null or empty cursor always ends.");
    public static final ConfigOption<Integer> PAGINATION_MAX_PASSES =
            ConfigOptions.key("pagination.max-passes")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Page/offset styles with a total: how many backward passes a window may take when its total grows while it is paged.");

    // ------------------------------------------------------------------ response

    public static final ConfigOption<String> RESPONSE_RECORDS_PATH =
            ConfigOptions.key("response.records-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to the array of records (required), e.g. /data/orderList.");
    public static final ConfigOption<List<String>> RESPONSE_JSON_STRING_PATHS =
            ConfigOptions.key("response.json-string-paths")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointers to JSON documents the response carries as strings (JD Union's"
                                    + " 'queryResult'), decoded in place, in this order, before anything is read: every other"
                                    + " response pointer (records, total, end flags, cursor, error code and message) may then point"
                                    + " inside them, e.g. '/jd_union_open_order_row_query_responce/queryResult/hasMore'. A pointer"
                                    + " that is absent is skipped (an error answer without the document); one whose value is not a"
                                    + " string holding a JSON object or array fails the page, naming the pointer. A later pointer may"
                                    + " point inside a document decoded by an earlier one.");
    public static final ConfigOption<Boolean> RESPONSE_RECORDS_MAY_BE_ABSENT =
            ConfigOptions.key("response.records-may-be-absent")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the platform omits the records array on an empty page (TOP leaves out 'trades'). Without"
                                    + " it a response where 'response.records-path' matches nothing fails its window, so that a wrong path"
                                    + " cannot read every window as empty. With it, a response without the array is an empty page, unless"
                                    + " its total or has-next flag says there are records.");
    public static final ConfigOption<MemorySize> RESPONSE_MAX_BODY_SIZE =
            ConfigOptions.key("response.max-body-size")
                    .memoryType()
                    .defaultValue(MemorySize.parse("16 mb"))
                    .withDescription(
                            "The largest response body read; a larger one is not read further and fails its page (and"
                                    + " window) with an exception event. Guards the TaskManager's memory against a runaway answer.");
    public static final ConfigOption<Boolean> RESPONSE_SINGLE_RECORD =
            ConfigOptions.key("response.single-record")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether 'response.records-path' points to one record object instead of an array: a detail API, as used by lookup joins.");
    public static final ConfigOption<String> RESPONSE_TRANSFORMER =
            ConfigOptions.key("response.transformer")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The class of a ResponseTransformer (io.httpsync.connector.endpoint) that turns each JSON"
                                    + " response into the one the other 'response.*' and 'error.*' options read, for a quirk"
                                    + " they cannot describe. Loaded through the job's class loader; see docs/extending.md.");
    public static final ConfigOption<String> RESPONSE_CURSOR_PATH =
            ConfigOptions.key("response.cursor-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("JSON pointer to the next cursor (cursor style).");
    public static final ConfigOption<String> RESPONSE_HAS_NEXT_PATH =
            ConfigOptions.key("response.has-next-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to a has-next/has-more flag: false ends the window.");
    public static final ConfigOption<String> RESPONSE_LAST_PAGE_PATH =
            ConfigOptions.key("response.last-page-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to a last-page flag (e.g. Beisen's 'isLastData'): true ends the window, without"
                                    + " asking for an empty page after it. The inverse of 'response.has-next-path'; set one of them, not both.");
    public static final ConfigOption<String> RESPONSE_TOTAL_PATH =
            ConfigOptions.key("response.total-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to the window's total; with page or offset style it enables backward paging.");
    public static final ConfigOption<TotalKind> RESPONSE_TOTAL_KIND =
            ConfigOptions.key("response.total-kind")
                    .enumType(TotalKind.class)
                    .defaultValue(TotalKind.RECORDS)
                    .withDescription("Whether the total counts records or pages.");
    public static final ConfigOption<List<String>> RESPONSE_ERROR_CODE_PATH =
            ConfigOptions.key("response.error-code-path")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointers to the platform's code; the first present wins (e.g. '/error_response/code;/code').");
    public static final ConfigOption<List<String>> RESPONSE_ERROR_MESSAGE_PATH =
            ConfigOptions.key("response.error-message-path")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription("JSON pointers to the error message; the first present wins.");
    public static final ConfigOption<String> RESPONSE_RECORD_ID_PATH =
            ConfigOptions.key("response.record.id-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer, within a record, to its id; required by a scan source.");
    public static final ConfigOption<String> RESPONSE_RECORD_TIME_PATH =
            ConfigOptions.key("response.record.time-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer, within a record, to its update time (or create time with query.time-field = create); required by a scan source.");
    public static final ConfigOption<String> RESPONSE_RECORD_TIME_FORMAT =
            ConfigOptions.key("response.record.time-format")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The format of the record time; defaults to 'time.format'.");

    // ------------------------------------------------------------------ errors

    public static final ConfigOption<List<String>> ERROR_SUCCESS_CODES =
            ConfigOptions.key("error.success-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Codes that mean success. Without them, any code present at 'response.error-code-path' is an error.");
    public static final ConfigOption<List<String>> ERROR_RATE_LIMITED_CODES =
            ConfigOptions.key("error.rate-limited-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Codes that mean 'too many requests': wait, pause the tenant, retry.");
    public static final ConfigOption<List<String>> ERROR_TOKEN_EXPIRED_CODES =
            ConfigOptions.key("error.token-expired-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Codes that mean the access token is invalid or expired: refresh it, retry.");
    public static final ConfigOption<List<String>> ERROR_RETRYABLE_CODES =
            ConfigOptions.key("error.retryable-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Codes of transient failures: retry with backoff. Other error codes fail at once.");
    public static final ConfigOption<List<Integer>> ERROR_RATE_LIMITED_STATUSES =
            ConfigOptions.key("error.rate-limited-statuses")
                    .intType()
                    .asList()
                    .defaultValues(429)
                    .withDescription("HTTP statuses that mean 'too many requests'.");
    public static final ConfigOption<List<Integer>> ERROR_TOKEN_EXPIRED_STATUSES =
            ConfigOptions.key("error.token-expired-statuses")
                    .intType()
                    .asList()
                    .defaultValues(401)
                    .withDescription(
                            "HTTP statuses that mean the token is invalid (Ekuaibao: 403).");
    public static final ConfigOption<List<Integer>> ERROR_RETRYABLE_STATUSES =
            ConfigOptions.key("error.retryable-statuses")
                    .intType()
                    .asList()
                    .defaultValues(408)
                    .withDescription("HTTP statuses to retry besides every 5xx.");
    public static final ConfigOption<String> ERROR_RATE_LIMITED_MESSAGE_REGEX =
            ConfigOptions.key("error.rate-limited-message-regex")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An error whose message matches this regex is rate limiting, whatever its code (Kuaishou 'Exceed qps limit').");
    public static final ConfigOption<String> ERROR_RATE_LIMITED_BODY_REGEX =
            ConfigOptions.key("error.rate-limited-body-regex")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A response whose raw body matches this regex is rate limiting (DingTalk's '\"punish\"' ban page). Other non-JSON bodies are retried.");
    public static final ConfigOption<String> ERROR_BAN_SECONDS_REGEX =
            ConfigOptions.key("error.ban-seconds-regex")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A regex on the error message (or body) whose group 1 is the ban length in seconds (TOP 'This ban will last for (\\d+) more seconds').");
    public static final ConfigOption<List<String>> ERROR_WAIT_HEADERS =
            ConfigOptions.key("error.wait-headers")
                    .stringType()
                    .asList()
                    .defaultValues("Retry-After")
                    .withDescription(
                            "Response headers giving the seconds to wait before retrying (Retry-After, Feishu x-ogw-ratelimit-reset).");

    // ------------------------------------------------------------------ retries and rate limits

    public static final ConfigOption<Integer> RETRY_MAX_ATTEMPTS =
            ConfigOptions.key("retry.max-attempts")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "Attempts of one page against transient failures (5xx, timeouts, non-JSON bodies, retryable codes).");
    public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
            ConfigOptions.key("retry.initial-backoff")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription("The wait before the first retry.");
    public static final ConfigOption<Duration> RETRY_MAX_BACKOFF =
            ConfigOptions.key("retry.max-backoff")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "The longest backoff of our own; a wait the platform asks for is honoured even if longer, up to 'retry.max-platform-wait'.");
    public static final ConfigOption<Double> RETRY_BACKOFF_MULTIPLIER =
            ConfigOptions.key("retry.backoff-multiplier")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription("How much each backoff grows.");
    public static final ConfigOption<Double> RETRY_JITTER =
            ConfigOptions.key("retry.jitter")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription(
                            "Random share of each backoff, 0 to 1, so that retries of many splits spread out.");
    public static final ConfigOption<Integer> RETRY_MAX_RATE_LIMITED =
            ConfigOptions.key("retry.max-rate-limited")
                    .intType()
                    .defaultValue(20)
                    .withDescription("Rate-limited answers one page may get before it fails.");
    public static final ConfigOption<Duration> RETRY_RATE_LIMITED_WAIT =
            ConfigOptions.key("retry.rate-limited-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "The wait after a rate-limited answer that does not say how long. Adaptive buckets (the default): the cut rate paces a page's first retry, and a page refused again waits this, not growing. Without adaptation ('rate-limit.adaptive.enabled' = false): the first wait, growing like a backoff; platforms count limits per second or minute.");
    public static final ConfigOption<Duration> RETRY_MAX_PLATFORM_WAIT =
            ConfigOptions.key("retry.max-platform-wait")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "The longest wait a platform may ask for (Retry-After, 'error.wait-headers', a ban's seconds)."
                                    + " A longer one is not waited out: the page fails at once with an exception event naming the wait,"
                                    + " its window is retried later, and the tenant pauses for this long.");

    // ------------------------------------------------------------------ authentication

    public static final ConfigOption<SignerKind> AUTH_SIGNER =
            ConfigOptions.key("auth.signer")
                    .enumType(SignerKind.class)
                    .defaultValue(SignerKind.NONE)
                    .withDescription(
                            "none, kuaishou-md5, kuaishou-hmac-sha256, top-md5, top-hmac, top-hmac-sha256 or jushuitan-md5.");
    public static final ConfigOption<String> AUTH_SIGNER_SECRET_PROPERTY =
            ConfigOptions.key("auth.signer.secret-property")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The tenant property holding the signing secret; defaults to 'sign-secret' for Kuaishou, 'app-secret' otherwise.");
    public static final ConfigOption<String> AUTH_TOKEN_PROPERTY =
            ConfigOptions.key("auth.token.property")
                    .stringType()
                    .defaultValue("access-token")
                    .withDescription(
                            "Without 'auth.token.url': the tenant property holding a static token for ${token}.");
    public static final ConfigOption<String> AUTH_TOKEN_URL =
            ConfigOptions.key("auth.token.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A token endpoint; ${token} is then fetched, cached per tenant and refreshed: once for"
                                    + " all readers of a scan source (its enumerator holds the tokens), once for every party sharing a"
                                    + " tenant registry's token store (scans, lookup joins, dependent endpoints, other jobs),"
                                    + " else once per subtask of a lookup join.");
    public static final ConfigOption<HttpMethod> AUTH_TOKEN_METHOD =
            ConfigOptions.key("auth.token.method")
                    .enumType(HttpMethod.class)
                    .defaultValue(HttpMethod.GET)
                    .withDescription("GET or POST.");
    public static final ConfigOption<BodyKind> AUTH_TOKEN_BODY_KIND =
            ConfigOptions.key("auth.token.body.kind")
                    .enumType(BodyKind.class)
                    .defaultValue(BodyKind.NONE)
                    .withDescription("none, form or json, as 'request.body.kind'.");
    public static final ConfigOption<String> AUTH_TOKEN_BODY_TEMPLATE =
            ConfigOptions.key("auth.token.body.template")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The token request's JSON body template.");

    /** {@code auth.token.param.<name>}: a templated parameter of the token request. */
    public static final String AUTH_TOKEN_PARAM_PREFIX = "auth.token.param.";

    /** {@code auth.token.header.<name>}: a templated header of the token request. */
    public static final String AUTH_TOKEN_HEADER_PREFIX = "auth.token.header.";

    public static final ConfigOption<String> AUTH_TOKEN_PATH =
            ConfigOptions.key("auth.token.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to the token in the token response (required with 'auth.token.url').");
    public static final ConfigOption<Boolean> AUTH_TOKEN_SIGNED =
            ConfigOptions.key("auth.token.signed")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Sign the token request with 'auth.signer', as the list requests are (Jushuitan's token endpoints).");
    public static final ConfigOption<String> AUTH_TOKEN_REFRESH_TOKEN_PATH =
            ConfigOptions.key("auth.token.refresh-token-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to a new refresh token in the token response (single-use refresh tokens, e.g."
                                    + " Kuaishou's and Jushuitan's): the next token request uses the newest one in place of the tenant"
                                    + " property 'auth.token.refresh-token-property', and a DataStream or SQL scan source keeps it in its"
                                    + " checkpoints, so a restored job goes on with it.");
    public static final ConfigOption<String> AUTH_TOKEN_REFRESH_TOKEN_PROPERTY =
            ConfigOptions.key("auth.token.refresh-token-property")
                    .stringType()
                    .defaultValue("refresh-token")
                    .withDescription(
                            "With 'auth.token.refresh-token-path': the tenant property that holds the first refresh token;"
                                    + " the token request must read it as ${tenant.<property>}.");
    public static final ConfigOption<String> AUTH_TOKEN_EXPIRES_IN_PATH =
            ConfigOptions.key("auth.token.expires-in-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("JSON pointer to the token's lifetime or expiry.");
    public static final ConfigOption<ExpiresInUnit> AUTH_TOKEN_EXPIRES_IN_UNIT =
            ConfigOptions.key("auth.token.expires-in-unit")
                    .enumType(ExpiresInUnit.class)
                    .defaultValue(ExpiresInUnit.SECONDS)
                    .withDescription(
                            "seconds or milliseconds (a lifetime), epoch-seconds or epoch-millis (an expiry).");
    public static final ConfigOption<Duration> AUTH_TOKEN_DEFAULT_TTL =
            ConfigOptions.key("auth.token.default-ttl")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription("A token's lifetime when the response does not say.");
    public static final ConfigOption<Duration> AUTH_TOKEN_REFRESH_MARGIN =
            ConfigOptions.key("auth.token.refresh-margin")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("Fetch a new token this long before the old one expires.");
    public static final ConfigOption<Integer> AUTH_TOKEN_MAX_REFRESHES =
            ConfigOptions.key("auth.token.max-refreshes")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Token-expired answers one page may get (each refreshes the token) before it fails.");

    public static final ConfigOption<List<String>> AUTH_TOKEN_STEPS =
            ConfigOptions.key("auth.token.steps")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "A login in several requests: the names of the steps run, in this order, before the token"
                                    + " request of 'auth.token.url' (e.g. 'app' for an app token that the access token is then"
                                    + " fetched with). Step <s> is described like the token request, under 'auth.token.step.<s>.':"
                                    + " 'url' (required), 'method', 'body.kind', 'body.template', 'param.<name>', 'header.<name>',"
                                    + " and 'path.<value>', a JSON pointer to a value of its answer, which every later step and the"
                                    + " token request read as ${step.<s>.<value>}. The whole chain runs again whenever the token"
                                    + " of 'auth.token.path' is due for refresh or refused, so the values of steps are never older"
                                    + " than the token; they are secrets, masked in every message.");

    /**
     * {@code auth.token.step.<step>.<setting>}: a setting of a step of {@link #AUTH_TOKEN_STEPS}
     * ({@code url}, {@code method}, {@code body.kind}, {@code body.template}, {@code param.<name>},
     * {@code header.<name>}, {@code path.<value>}).
     */
    public static final String AUTH_TOKEN_STEP_PREFIX = "auth.token.step.";

    // ------------------------------------------------------------------ logs

    public static final ConfigOption<Duration> LOG_SUMMARY_INTERVAL =
            ConfigOptions.key("log.summary-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How often each tenant's rate-limited answers, token refusals and retries are summed up in one"
                                    + " INFO line per tenant (only tenants that had any); 0 turns the summaries off. Single answers are"
                                    + " logged at DEBUG only.");

    // ------------------------------------------------------------------ the set of keys

    private static final Map<String, ConfigOption<?>> ALL = collect();

    private static Map<String, ConfigOption<?>> collect() {
        Map<String, ConfigOption<?>> all = new LinkedHashMap<>();
        OptionReader.declaredIn(EndpointOptions.class).forEach(o -> all.put(o.key(), o));
        OptionReader.declaredIn(RateLimitOptions.class).forEach(o -> all.put(o.key(), o));
        return Collections.unmodifiableMap(all);
    }

    /**
     * Every option of a description, by key: these and the rate limits' ({@link RateLimitOptions}).
     */
    public static Map<String, ConfigOption<?>> all() {
        return ALL;
    }

    /** The prefixes of map-valued options ({@code request.param.<name>}, ...). */
    public static List<String> prefixes() {
        return List.of(
                REQUEST_PARAM_PREFIX,
                REQUEST_HEADER_PREFIX,
                AUTH_TOKEN_PARAM_PREFIX,
                AUTH_TOKEN_HEADER_PREFIX,
                AUTH_TOKEN_STEP_PREFIX,
                RateLimitOptions.BUCKET_PREFIX);
    }

    /**
     * Whether {@code key} belongs to an endpoint description (so the SQL factory can hand over only
     * these).
     */
    public static boolean isEndpointKey(String key) {
        if (ALL.containsKey(key)) return true;
        for (String p : prefixes()) {
            if (key.startsWith(p) && key.length() > p.length()) return true;
        }
        return false;
    }

    /** The known keys, for suggestions. */
    static List<String> knownKeys() {
        List<String> keys = new ArrayList<>(ALL.keySet());
        prefixes().forEach(p -> keys.add(p + "<name>"));
        return keys;
    }
}
