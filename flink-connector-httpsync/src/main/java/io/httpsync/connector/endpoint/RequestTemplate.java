package io.httpsync.connector.endpoint;

import io.httpsync.connector.endpoint.template.Template;

import org.apache.flink.annotation.Internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The templated shape of one HTTP request: URL, method, where parameters go, parameters, headers,
 * JSON body and the optional business parameter (a parameter whose value is a JSON document). The
 * list request, the token request and the steps before it are all described this way. Immutable and
 * thread-safe.
 */
@Internal
public final class RequestTemplate {
    private final Template url;
    private final HttpMethod method;
    private final BodyKind bodyKind;
    private final Map<String, Template> params;
    private final Map<String, Template> headers;
    private final Template body;
    private final String bizParamName;
    private final Template bizParam;

    /** Every template by the option key it came from, for validation messages. */
    private final Map<String, Template> byOptionKey;

    RequestTemplate(
            Template url,
            HttpMethod method,
            BodyKind bodyKind,
            Map<String, Template> params,
            Map<String, Template> headers,
            Template body,
            String bizParamName,
            Template bizParam,
            Map<String, Template> byOptionKey) {
        this.url = url;
        this.method = method;
        this.bodyKind = bodyKind;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        this.body = body;
        this.bizParamName = bizParamName;
        this.bizParam = bizParam;
        this.byOptionKey = Collections.unmodifiableMap(new LinkedHashMap<>(byOptionKey));
    }

    /**
     * The option keys a request template is read from: the list request's, or the token request's.
     */
    record Keys(
            String url,
            String method,
            String bodyKind,
            String bodyTemplate,
            String paramPrefix,
            String headerPrefix,
            String bizName,
            String bizTemplate) {}

    static final Keys LIST_REQUEST =
            new Keys(
                    EndpointOptions.URL.key(),
                    EndpointOptions.REQUEST_METHOD.key(),
                    EndpointOptions.REQUEST_BODY_KIND.key(),
                    EndpointOptions.REQUEST_BODY_TEMPLATE.key(),
                    EndpointOptions.REQUEST_PARAM_PREFIX,
                    EndpointOptions.REQUEST_HEADER_PREFIX,
                    EndpointOptions.REQUEST_BIZ_PARAM_NAME.key(),
                    EndpointOptions.REQUEST_BIZ_PARAM_TEMPLATE.key());
    static final Keys TOKEN_REQUEST =
            new Keys(
                    EndpointOptions.AUTH_TOKEN_URL.key(),
                    EndpointOptions.AUTH_TOKEN_METHOD.key(),
                    EndpointOptions.AUTH_TOKEN_BODY_KIND.key(),
                    EndpointOptions.AUTH_TOKEN_BODY_TEMPLATE.key(),
                    EndpointOptions.AUTH_TOKEN_PARAM_PREFIX,
                    EndpointOptions.AUTH_TOKEN_HEADER_PREFIX,
                    null,
                    null);

    /** The keys of step {@code step} of a login in several requests ({@code auth.token.step.}). */
    static Keys tokenStep(String step) {
        String p = EndpointOptions.AUTH_TOKEN_STEP_PREFIX + step + ".";
        return new Keys(
                p + "url",
                p + "method",
                p + "body.kind",
                p + "body.template",
                p + "param.",
                p + "header.",
                null,
                null);
    }

    public HttpMethod method() {
        return method;
    }

    public BodyKind bodyKind() {
        return bodyKind;
    }

    public Template url() {
        return url;
    }

    /** Each template with the option key it was read from. */
    public Map<String, Template> templatesByOptionKey() {
        return byOptionKey;
    }

    /** Every placeholder any part uses. */
    public Set<String> placeholders() {
        Set<String> all = new LinkedHashSet<>();
        byOptionKey.values().forEach(t -> all.addAll(t.placeholders()));
        return all;
    }

    /** Renders every part; the result's parameters are a fresh mutable map a signer may add to. */
    public RenderedRequest render(Function<String, String> values) {
        LinkedHashMap<String, String> p = new LinkedHashMap<>();
        params.forEach((name, t) -> p.put(name, t.render(values)));
        if (bizParamName != null) p.put(bizParamName, bizParam.render(values));
        LinkedHashMap<String, String> h = new LinkedHashMap<>();
        headers.forEach((name, t) -> h.put(name, t.render(values)));
        return new RenderedRequest(
                method,
                bodyKind,
                url.render(values),
                p,
                h,
                body == null ? null : body.render(values));
    }
}
