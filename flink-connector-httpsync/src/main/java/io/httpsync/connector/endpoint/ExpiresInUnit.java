package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/** How a token response states when the token expires. */
@PublicEvolving
public enum ExpiresInUnit implements OptionEnum {
    /** A lifetime in seconds (Kuaishou {@code expires_in}, WeCom, DingTalk). */
    SECONDS,
    /** A lifetime in milliseconds. */
    MILLISECONDS,
    /** An expiry instant in epoch seconds. */
    EPOCH_SECONDS,
    /** An expiry instant in epoch milliseconds (Youzan {@code expires}). */
    EPOCH_MILLIS;

    /**
     * As options spell it ({@link #optionValue()}), which is also how Flink's typed option parsing
     * matches it.
     */
    @Override
    public String toString() {
        return optionValue();
    }

    /**
     * The expiry in epoch millis of a token fetched at {@code nowMillis} whose response says {@code
     * value}.
     */
    public long expiresAt(long nowMillis, long value) {
        return switch (this) {
            case SECONDS -> nowMillis + value * 1000;
            case MILLISECONDS -> nowMillis + value;
            case EPOCH_SECONDS -> value * 1000;
            case EPOCH_MILLIS -> value;
        };
    }
}
