package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * One tenant's row of a {@link TokenStore}: its current access token, its newest refresh token, and
 * who is refreshing it. Every change makes a new row with {@link #version} one higher, written only
 * if the stored row still has the version it was made from (compare-and-set).
 *
 * @param tenant the tenant id
 * @param version the row's version: 0 when first stored, one higher with every change
 * @param accessToken the current access token, or null (none yet, or re-authorized)
 * @param accessTokenValidUntilMillis when to stop using the access token (epoch millis)
 * @param refreshToken the newest refresh token, or null if the tenant's tokens are fetched without
 *     one; single-use on some platforms: only the holder of the claim presents it
 * @param authorizationFingerprint SHA-256 (hex) of the refresh token the registry listed when this
 *     row was seeded: a registry that lists another one now means the tenant was re-authorized, and
 *     the row starts over from the registry's token
 * @param claimedBy who is refreshing the token now (a unique id per enumerator), or null
 * @param claimedUntilMillis until when the claim holds (epoch millis): a claim whose holder died
 *     expires, and another party may claim
 */
@PublicEvolving
public record StoredToken(
        String tenant,
        long version,
        @Nullable String accessToken,
        long accessTokenValidUntilMillis,
        @Nullable String refreshToken,
        String authorizationFingerprint,
        @Nullable String claimedBy,
        long claimedUntilMillis) {

    public StoredToken {
        checkNotNull(tenant, "tenant");
        checkNotNull(authorizationFingerprint, "authorizationFingerprint");
    }

    /** The first row of a tenant: its registered refresh token, no access token, no claim. */
    public static StoredToken seed(
            String tenant, @Nullable String refreshToken, String authorizationFingerprint) {
        return new StoredToken(tenant, 0, null, 0, refreshToken, authorizationFingerprint, null, 0);
    }

    /** Whether the access token may be used at {@code nowMillis}. */
    public boolean accessTokenUsableAt(long nowMillis) {
        return accessToken != null && nowMillis < accessTokenValidUntilMillis;
    }

    /** Whether someone else's or our claim holds at {@code nowMillis}. */
    public boolean claimedAt(long nowMillis) {
        return claimedBy != null && nowMillis < claimedUntilMillis;
    }

    /** The next version, claimed by {@code owner} until {@code untilMillis}. */
    public StoredToken claimed(String owner, long untilMillis) {
        return new StoredToken(
                tenant,
                version + 1,
                accessToken,
                accessTokenValidUntilMillis,
                refreshToken,
                authorizationFingerprint,
                owner,
                untilMillis);
    }

    /** The next version, with new tokens and no claim. */
    public StoredToken refreshed(
            String newAccessToken, long validUntilMillis, @Nullable String newRefreshToken) {
        return new StoredToken(
                tenant,
                version + 1,
                newAccessToken,
                validUntilMillis,
                newRefreshToken,
                authorizationFingerprint,
                null,
                0);
    }

    /** The next version without a claim, tokens unchanged (a refresh that did not happen). */
    public StoredToken released() {
        return new StoredToken(
                tenant,
                version + 1,
                accessToken,
                accessTokenValidUntilMillis,
                refreshToken,
                authorizationFingerprint,
                null,
                0);
    }

    /** The next version, started over from a re-authorization's refresh token. */
    public StoredToken reauthorized(@Nullable String newRefreshToken, String newFingerprint) {
        return new StoredToken(
                tenant, version + 1, null, 0, newRefreshToken, newFingerprint, null, 0);
    }

    /** Without the tokens: rows may be logged. */
    @Override
    public String toString() {
        return "StoredToken{tenant="
                + tenant
                + ", version="
                + version
                + ", accessToken="
                + (accessToken == null ? "none" : "******")
                + ", accessTokenValidUntilMillis="
                + accessTokenValidUntilMillis
                + ", refreshToken="
                + (refreshToken == null ? "none" : "******")
                + ", claimedBy="
                + claimedBy
                + ", claimedUntilMillis="
                + claimedUntilMillis
                + "}";
    }
}
