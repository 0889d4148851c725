package io.httpsync.connector.auth;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

/** The request signature families, selected by option {@code auth.signer}. */
@PublicEvolving
public enum SignerKind implements OptionEnum {
    NONE,
    KUAISHOU_MD5,
    KUAISHOU_HMAC_SHA256,
    TOP_MD5,
    TOP_HMAC,
    TOP_HMAC_SHA256,
    JUSHUITAN_MD5;

    /**
     * As options spell it ({@link #optionValue()}), which is also how Flink's typed option parsing
     * matches it.
     */
    @Override
    public String toString() {
        return optionValue();
    }

    /**
     * The tenant property that holds the secret when {@code auth.signer.secret-property} is not
     * set.
     */
    public String defaultSecretProperty() {
        return this == KUAISHOU_MD5 || this == KUAISHOU_HMAC_SHA256 ? "sign-secret" : "app-secret";
    }

    /**
     * The signer, reading its secret from the tenant property {@code secretProperty}; null for
     * {@link #NONE}.
     */
    @Internal
    public RequestSigner signer(String secretProperty) {
        return switch (this) {
            case NONE -> null;
            case KUAISHOU_MD5 -> new KuaishouSigner(KuaishouSigner.Method.MD5, secretProperty);
            case KUAISHOU_HMAC_SHA256 ->
                    new KuaishouSigner(KuaishouSigner.Method.HMAC_SHA256, secretProperty);
            case TOP_MD5 -> new TopSigner(TopSigner.Method.MD5, secretProperty);
            case TOP_HMAC -> new TopSigner(TopSigner.Method.HMAC, secretProperty);
            case TOP_HMAC_SHA256 -> new TopSigner(TopSigner.Method.HMAC_SHA256, secretProperty);
            case JUSHUITAN_MD5 -> new JushuitanSigner(secretProperty);
        };
    }
}
