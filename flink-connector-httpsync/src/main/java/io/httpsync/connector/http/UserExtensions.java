package io.httpsync.connector.http;

import io.httpsync.connector.auth.CustomSigner;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.endpoint.ResponseTransformer;
import io.httpsync.connector.endpoint.UserClasses;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.annotation.Nullable;

import java.util.Map;

/**
 * The user's extensions of a description ({@code response.transformer}, {@code request.signer}),
 * created through the job's class loader, with the conversions between the fetcher's JSON tree and
 * the plain Java values the public interfaces use. Immutable; thread-safe as far as the user's
 * classes are, which their contracts require.
 */
@Internal
final class UserExtensions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String transformerName;
    private final ResponseTransformer transformer;
    private final CustomSigner signer;

    private UserExtensions(
            String transformerName, ResponseTransformer transformer, CustomSigner signer) {
        this.transformerName = transformerName;
        this.transformer = transformer;
        this.signer = signer;
    }

    /**
     * The extensions the description names, created now.
     *
     * @throws IllegalArgumentException naming the option and the class that cannot be used
     */
    static UserExtensions of(EndpointSpec spec) {
        Map<String, String> o = spec.toOptions();
        String transformer = o.get(EndpointOptions.RESPONSE_TRANSFORMER.key());
        String signer = o.get(EndpointOptions.REQUEST_SIGNER.key());
        return new UserExtensions(
                transformer,
                transformer == null
                        ? null
                        : UserClasses.instantiate(
                                EndpointOptions.RESPONSE_TRANSFORMER.key(),
                                transformer,
                                ResponseTransformer.class),
                signer == null
                        ? null
                        : UserClasses.instantiate(
                                EndpointOptions.REQUEST_SIGNER.key(), signer, CustomSigner.class));
    }

    boolean transforms() {
        return transformer != null;
    }

    /**
     * The response as the transformer turns it.
     *
     * @throws IllegalStateException naming the transformer if it fails or returns what is no JSON
     */
    JsonNode transform(JsonNode response) {
        Object out;
        try {
            out = transformer.transform(JSON.convertValue(response, Object.class));
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "option '"
                            + EndpointOptions.RESPONSE_TRANSFORMER.key()
                            + "' ("
                            + transformerName
                            + ") failed: "
                            + e,
                    e);
        }
        try {
            return JSON.valueToTree(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "option '"
                            + EndpointOptions.RESPONSE_TRANSFORMER.key()
                            + "' ("
                            + transformerName
                            + ") returned a value that is no JSON: "
                            + out.getClass().getName());
        }
    }

    /** Signs the request with the user's signer, if one is named. */
    void sign(RenderedRequest request, Tenant tenant) {
        if (signer == null) return;
        signer.sign(
                new CustomSigner.Request() {
                    @Override
                    public String method() {
                        return request.method().name();
                    }

                    @Override
                    public String url() {
                        return request.url();
                    }

                    @Override
                    public Map<String, String> params() {
                        return request.params();
                    }

                    @Override
                    public Map<String, String> headers() {
                        return request.headers();
                    }

                    @Override
                    @Nullable
                    public String body() {
                        return request.body();
                    }
                },
                tenant);
    }
}
