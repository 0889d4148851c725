package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.concurrent.CompletableFuture;

/**
 * A token that the tenant holds as a property (a TOP session key, a Kuaishou token managed
 * elsewhere). It cannot be refreshed: a token-expired answer fails the request.
 */
@Internal
public final class StaticTokenProvider implements TokenProvider {
    private final String property;

    public StaticTokenProvider(String property) {
        this.property = property;
    }

    @Override
    public CompletableFuture<String> token(Tenant tenant) {
        try {
            return CompletableFuture.completedFuture(
                    tenant.requireProperty(property, "${token} (option 'auth.token.property')"));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void invalidate(Tenant tenant, String token) {}

    @Override
    public boolean canRefresh() {
        return false;
    }
}
