package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.Map;

/**
 * Signs a rendered request the way a platform family requires: adds the signature parameter (and
 * the parameter that names the sign method) to the request's parameters, computed from them and a
 * secret the tenant holds. Called on whichever thread renders the request, after all other
 * parameters are final; implementations are stateless and thread-safe. A signer never puts its
 * secret into a parameter, a message or a log.
 */
@Internal
public interface RequestSigner {
    /**
     * Signs {@code params} in place.
     *
     * @throws IllegalArgumentException if the tenant lacks the secret property (naming the tenant
     *     and the property)
     */
    void sign(Map<String, String> params, Tenant tenant);
}
