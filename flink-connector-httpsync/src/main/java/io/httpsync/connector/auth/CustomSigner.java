package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.util.Map;

/**
 * A platform's request signature in Java, where option {@code auth.signer} has no family for it:
 * named by class in option {@code request.signer}, created through the job's class loader with its
 * public no-argument constructor, and called for every list request after all its parameters,
 * headers and body are rendered (and after an {@code auth.signer}, if one is set too). It may add
 * or change parameters and headers, typically a signature computed from them and a secret the
 * tenant holds ({@link Tenant#requireProperty}).
 *
 * <p>Called on whichever thread renders the request, concurrently for different requests:
 * implementations must be thread-safe and must not block. A signer never puts a secret into a
 * message or a log; a runtime exception fails the page with an exception event (a missing tenant
 * property should be an {@link IllegalArgumentException} naming the tenant and the property, never
 * a value).
 */
@PublicEvolving
public interface CustomSigner {

    /** A rendered request to sign: its parameters and headers may be changed in place. */
    @PublicEvolving
    interface Request {
        /** {@code GET} or {@code POST}. */
        String method();

        /** The URL without the parameters. */
        String url();

        /** Query parameters, or form parameters of a form body; mutable, in rendering order. */
        Map<String, String> params();

        /** Headers; mutable, in rendering order. */
        Map<String, String> headers();

        /** The JSON body, or null if the request has none. */
        @Nullable
        String body();
    }

    /** Signs the request in place for the tenant. */
    void sign(Request request, Tenant tenant);
}
