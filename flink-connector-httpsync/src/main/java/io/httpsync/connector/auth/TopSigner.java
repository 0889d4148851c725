package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * The Taobao Open Platform (TOP) signature: every parameter but {@code sign} with a non-empty
 * value, sorted by key, concatenated as {@code key+value} without separators; {@code md5} signs
 * with {@code UPPER(hex(md5(secret + text + secret)))}, {@code hmac} with {@code
 * UPPER(hex(HMAC-MD5(secret, text)))}, {@code hmac-sha256} with {@code
 * UPPER(hex(HMAC-SHA256(secret, text)))}. Sets {@code sign_method} (so it is signed too) and {@code
 * sign}. The secret is the app secret, tenant property {@code secretProperty}.
 */
@Internal
public final class TopSigner implements RequestSigner {
    /** The sign methods, as sent in {@code sign_method}. */
    public enum Method {
        MD5("md5"),
        HMAC("hmac"),
        HMAC_SHA256("hmac-sha256");

        private final String wire;

        Method(String wire) {
            this.wire = wire;
        }
    }

    private final Method method;
    private final String secretProperty;

    public TopSigner(Method method, String secretProperty) {
        this.method = method;
        this.secretProperty = secretProperty;
    }

    @Override
    public void sign(Map<String, String> params, Tenant tenant) {
        String secret = tenant.requireProperty(secretProperty, "auth.signer");
        params.put("sign_method", method.wire);
        StringBuilder text = new StringBuilder();
        new TreeMap<>(params)
                .forEach(
                        (k, v) -> {
                            if (!k.equals("sign") && v != null && !v.isEmpty())
                                text.append(k).append(v);
                        });
        String sign =
                switch (method) {
                    case MD5 -> Digests.upperHex(Digests.md5(secret + text + secret));
                    case HMAC -> Digests.upperHex(Digests.hmac("HmacMD5", secret, text.toString()));
                    case HMAC_SHA256 ->
                            Digests.upperHex(Digests.hmac("HmacSHA256", secret, text.toString()));
                };
        params.put("sign", sign);
    }
}
