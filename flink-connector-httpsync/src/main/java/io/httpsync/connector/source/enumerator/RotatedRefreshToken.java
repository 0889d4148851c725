package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The newest refresh token of a tenant whose token endpoint rotates them ({@code
 * auth.token.refresh-token-path}), as the enumerator checkpoints it: a restored job presents it
 * instead of the configured one, which it has spent.
 *
 * @param tenant the tenant id
 * @param configuredFingerprint the fingerprint (SHA-256) of the refresh token the configuration
 *     held when this one was obtained: a configuration with a different one was re-authorized
 *     since, and its token wins
 * @param refreshToken the newest refresh token: a secret, kept only in state (never in logs or
 *     {@link #toString})
 */
@Internal
public record RotatedRefreshToken(
        String tenant, String configuredFingerprint, String refreshToken) {
    public RotatedRefreshToken {
        checkNotNull(tenant, "tenant");
        checkNotNull(configuredFingerprint, "configuredFingerprint");
        checkNotNull(refreshToken, "refreshToken");
    }

    @Override
    public String toString() {
        return "RotatedRefreshToken{tenant=" + tenant + ", refreshToken=******}";
    }
}
