package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Optional;

/**
 * Access and refresh tokens kept outside the job, in the registry's database, so that two readers,
 * two TaskManagers or two jobs of one app share one token per tenant and never present the same
 * (single-use) refresh token twice. The protocol is the source's (see {@code StoredTokens}); a
 * store only reads rows and writes them by compare-and-set on their {@link StoredToken#version}:
 *
 * <ol>
 *   <li>a party that needs a new token claims the row (version + 1, {@code claimedBy} itself);
 *   <li>only the holder of the claim presents the stored refresh token to the token endpoint;
 *   <li>it stores the answer (version + 1, claim released); everyone else reads the new token.
 * </ol>
 *
 * A claim expires, so a holder that died does not block the tenant for good.
 *
 * <p>Thread-safe: called from the enumerator's token threads; every method may block (I/O).
 */
@PublicEvolving
public interface TokenStore {

    /** The tenant's row, or empty if none was stored yet. */
    Optional<StoredToken> read(String tenant) throws Exception;

    /**
     * Writes {@code next} if the stored row of its tenant has version {@code next.version() - 1},
     * or, when {@code next.version()} is 0, if the tenant has no row yet. Returns whether it wrote:
     * false means another party changed the row first (read it again).
     */
    boolean compareAndSet(StoredToken next) throws Exception;

    /**
     * The tenant's authorization was revoked (its refresh token is refused): the registry marks the
     * tenant disabled with this reason, so that it is not synced until the user re-authorizes it.
     * The reason never holds a secret.
     */
    void markRevoked(String tenant, String reason) throws Exception;
}
