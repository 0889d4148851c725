package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.JsonStringDocuments;
import io.httpsync.connector.endpoint.ResponseExtractor;
import io.httpsync.connector.endpoint.ResponseFormatException;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;

/**
 * Tells what an answer means, by the rules of the endpoint description ({@code error.*}), in this
 * order:
 *
 * <ol>
 *   <li>a raw body matching {@code error.rate-limited-body-regex} is rate limiting (DingTalk's
 *       non-JSON ban page);
 *   <li>a code in {@code error.rate-limited-codes}, {@code error.token-expired-codes} or {@code
 *       error.retryable-codes} decides (platforms answer HTTP 200 with an error inside, and some
 *       answer 4xx with a precise code);
 *   <li>the HTTP status: {@code error.rate-limited-statuses} (429), {@code
 *       error.token-expired-statuses} (401), 5xx and {@code error.retryable-statuses} (408) are
 *       retried; any other non-2xx is fatal;
 *   <li>a 2xx body that is not JSON (an HTML maintenance page, a truncated document) is retried;
 *   <li>a code that is present but not in {@code error.success-codes} is an error: rate limiting if
 *       the message matches {@code error.rate-limited-message-regex}, else fatal. No code is
 *       success.
 * </ol>
 *
 * Documents the answer carries as strings ({@code response.json-string-paths}) are decoded first,
 * so that codes and messages inside them count as above. A document that cannot be decoded makes an
 * answer that would be a success fatal, naming the pointer (an error answer stays what its outer
 * code or status says). The decoded body is then turned by the user's {@code response.transformer},
 * if one is named, so a transformer sees what the pointers will read.
 *
 * <p>The wait the platform asks for comes from the first of {@code error.wait-headers} present
 * (seconds or an HTTP date), else from {@code error.ban-seconds-regex} on the message or body.
 * Stateless and thread-safe; it runs on I/O threads and never blocks.
 */
@Internal
public final class ErrorClassifier {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SNIPPET = 120;

    private final EndpointSpec.ErrorSettings rules;
    private final ResponseExtractor extractor;
    private final JsonStringDocuments documents;
    private final Duration requestTimeout;

    /** A user's {@code response.transformer}, which runs before anything is read. */
    private final UserExtensions extensions;

    public ErrorClassifier(EndpointSpec spec) {
        this.rules = spec.errors();
        this.extractor = new ResponseExtractor(spec);
        this.documents = new JsonStringDocuments(spec);
        this.requestTimeout = spec.requestTimeout();
        this.extensions = UserExtensions.of(spec);
    }

    /** Classifies an answer. {@code header} gives a response header's value, or null. */
    public ClassifiedResponse classify(int status, Function<String, String> header, String body) {
        String text = body == null ? "" : body;
        JsonNode json = parse(text);
        String undecodable = null;
        if (json != null && !documents.isEmpty()) {
            try {
                documents.decode(json);
            } catch (ResponseFormatException e) {
                undecodable = e.getMessage();
            }
        }
        if (json != null && extensions.transforms()) {
            try {
                json = extensions.transform(json);
            } catch (IllegalStateException e) {
                return new ClassifiedResponse(
                        ResponseKind.FATAL, status, null, e.getMessage(), null, null);
            }
        }
        String code = json == null ? null : extractor.code(json);
        String message = json == null ? null : extractor.message(json);
        Duration wait = waitHint(header, message, text);
        ClassifiedResponse c =
                new ClassifiedResponse(
                        ResponseKind.FATAL,
                        status,
                        code,
                        describe(status, code, message, json, text),
                        wait,
                        json);

        if (rules.rateLimitedBodyRegex() != null
                && rules.rateLimitedBodyRegex().matcher(text).find()) {
            return c.withKind(
                    ResponseKind.RATE_LIMITED,
                    c.message() + " (matches error.rate-limited-body-regex)");
        }
        if (code != null) {
            if (rules.rateLimitedCodes().contains(code))
                return c.withKind(ResponseKind.RATE_LIMITED, c.message());
            if (rules.tokenExpiredCodes().contains(code))
                return c.withKind(ResponseKind.TOKEN_EXPIRED, c.message());
            if (rules.retryableCodes().contains(code))
                return c.withKind(ResponseKind.RETRYABLE, c.message());
        }
        if (rules.rateLimitedStatuses().contains(status))
            return c.withKind(ResponseKind.RATE_LIMITED, c.message());
        if (rules.tokenExpiredStatuses().contains(status))
            return c.withKind(ResponseKind.TOKEN_EXPIRED, c.message());
        if (status >= 500 || rules.retryableStatuses().contains(status))
            return c.withKind(ResponseKind.RETRYABLE, c.message());
        if (status < 200 || status >= 300) return c;
        if (json == null) return c.withKind(ResponseKind.RETRYABLE, c.message());
        boolean error =
                code != null
                        && (rules.successCodes().isEmpty() || !rules.successCodes().contains(code));
        if (!error && undecodable != null)
            return c.withKind(ResponseKind.FATAL, c.message() + ": " + undecodable);
        if (!error) return c.withKind(ResponseKind.SUCCESS, c.message());
        if (message != null
                && rules.rateLimitedMessageRegex() != null
                && rules.rateLimitedMessageRegex().matcher(message).find()) {
            return c.withKind(ResponseKind.RATE_LIMITED, c.message());
        }
        return c;
    }

    /**
     * Classifies a request that got no answer: timeouts and I/O failures are retried, anything else
     * is fatal.
     */
    public ClassifiedResponse failure(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) t = t.getCause();
        if (t instanceof TimeoutException) {
            return ClassifiedResponse.noAnswer(
                    ResponseKind.RETRYABLE,
                    "no answer within " + requestTimeout.toMillis() + " ms");
        }
        if (t instanceof ConnectException)
            return ClassifiedResponse.noAnswer(
                    ResponseKind.RETRYABLE, "connection failed: " + t.getMessage());
        if (t instanceof IOException)
            return ClassifiedResponse.noAnswer(ResponseKind.RETRYABLE, "I/O failure: " + t);
        if (t instanceof CancellationException)
            return ClassifiedResponse.noAnswer(ResponseKind.FATAL, "cancelled");
        // the same answer would come again: not retried
        if (t instanceof ResponseTooLargeException)
            return ClassifiedResponse.noAnswer(ResponseKind.FATAL, t.getMessage());
        return ClassifiedResponse.noAnswer(ResponseKind.FATAL, "request failed: " + t);
    }

    private static JsonNode parse(String text) {
        String trimmed = text.stripLeading();
        if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return null;
        try {
            return JSON.readTree(trimmed);
        } catch (IOException e) {
            return null; // truncated or otherwise malformed
        }
    }

    private Duration waitHint(Function<String, String> header, String message, String body) {
        for (String name : rules.waitHeaders()) {
            Duration d = parseWait(header.apply(name));
            if (d != null) return d;
        }
        if (rules.banSecondsRegex() != null) {
            Matcher m = rules.banSecondsRegex().matcher(message != null ? message : body);
            if (m.find()) {
                try {
                    return Duration.ofMillis(Math.round(Double.parseDouble(m.group(1)) * 1000));
                } catch (NumberFormatException ignored) {
                    // a regex whose group is not a number gives no hint
                }
            }
        }
        return null;
    }

    /** Seconds (possibly fractional), or an HTTP date; null if neither. */
    static Duration parseWait(String value) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        try {
            double seconds = Double.parseDouble(v);
            return seconds < 0 ? null : Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d =
                        Duration.between(
                                ZonedDateTime.now(),
                                ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private static String describe(
            int status, String code, String message, JsonNode json, String text) {
        StringBuilder sb = new StringBuilder("HTTP ").append(status);
        if (code != null) sb.append(", code ").append(code);
        if (message != null) sb.append(": ").append(message);
        if (json == null)
            sb.append(
                    text.isBlank()
                            ? " with an empty body"
                            : " with a body that is not JSON: " + snippet(text));
        return sb.toString();
    }

    private static String snippet(String text) {
        String s = text.replaceAll("\\s+", " ").trim();
        return s.length() <= SNIPPET ? s : s.substring(0, SNIPPET) + "...";
    }
}
