package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kuaishou e-commerce open platform signature (official doc "API调用说明"): take {@code
 * access_token, appkey, method, param, signMethod, timestamp, version} (absent ones skipped), sort
 * by key, join {@code k=v} with {@code &}, append {@code &signSecret=<sign secret>}; {@code MD5}
 * signs with the lower-case hex MD5 of that text, {@code HMAC_SHA256} with the Base64 HMAC-SHA256
 * keyed by the sign secret, the {@code &signSecret=} suffix kept in the data as the official sample
 * does. Sets {@code signMethod} and {@code sign}. The sign secret is the tenant property {@code
 * secretProperty}, distinct from the app secret used for token exchange.
 */
@Internal
public final class KuaishouSigner implements RequestSigner {
    /** The parameters the signature covers. */
    static final List<String> SIGNED =
            List.of(
                    "access_token",
                    "appkey",
                    "method",
                    "param",
                    "signMethod",
                    "timestamp",
                    "version");

    /** The two sign methods, as sent in {@code signMethod}. */
    public enum Method {
        MD5,
        HMAC_SHA256
    }

    private final Method method;
    private final String secretProperty;

    public KuaishouSigner(Method method, String secretProperty) {
        this.method = method;
        this.secretProperty = secretProperty;
    }

    @Override
    public void sign(Map<String, String> params, Tenant tenant) {
        String secret = tenant.requireProperty(secretProperty, "auth.signer");
        params.put("signMethod", method.name());
        Map<String, String> signed = new TreeMap<>();
        for (String key : SIGNED) {
            if (params.get(key) != null) signed.put(key, params.get(key));
        }
        StringBuilder text = new StringBuilder();
        signed.forEach(
                (k, v) ->
                        text.append(text.length() == 0 ? "" : "&").append(k).append('=').append(v));
        text.append("&signSecret=").append(secret);
        params.put(
                "sign",
                method == Method.MD5
                        ? Digests.lowerHex(Digests.md5(text.toString()))
                        : Digests.base64(Digests.hmac("HmacSHA256", secret, text.toString())));
    }
}
