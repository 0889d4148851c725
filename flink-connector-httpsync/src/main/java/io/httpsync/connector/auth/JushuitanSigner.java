package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * The Jushuitan open API signature: {@code md5_lower_hex(app_secret + k1v1k2v2...)} over every
 * parameter but {@code sign}, sorted by key, without separators (for an order query: {@code
 * access_token, app_key, biz, charset, timestamp, version}). Sets {@code sign}. The secret is the
 * app secret, tenant property {@code secretProperty}.
 */
@Internal
public final class JushuitanSigner implements RequestSigner {
    private final String secretProperty;

    public JushuitanSigner(String secretProperty) {
        this.secretProperty = secretProperty;
    }

    @Override
    public void sign(Map<String, String> params, Tenant tenant) {
        String secret = tenant.requireProperty(secretProperty, "auth.signer");
        StringBuilder text = new StringBuilder(secret);
        new TreeMap<>(params)
                .forEach(
                        (k, v) -> {
                            if (!k.equals("sign") && v != null) text.append(k).append(v);
                        });
        params.put("sign", Digests.lowerHex(Digests.md5(text.toString())));
    }
}
