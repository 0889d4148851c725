package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

import java.util.LinkedHashMap;

/**
 * One request, rendered and ready to sign and send. The parameter map is mutable so that a signer
 * can add its parameters; it is confined to the thread that renders, signs and sends the request.
 *
 * @param params query parameters, or form parameters with {@link BodyKind#FORM}
 * @param body the JSON body with {@link BodyKind#JSON}, else null
 */
@Internal
public record RenderedRequest(
        HttpMethod method,
        BodyKind bodyKind,
        String url,
        LinkedHashMap<String, String> params,
        LinkedHashMap<String, String> headers,
        String body) {}
