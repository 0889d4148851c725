package com.acme.tickets;

import io.httpsync.connector.auth.CustomSigner;
import io.httpsync.connector.auth.Tenant;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * A request signer as a user writes one (docs/extending.md): the ticket platform wants {@code
 * X-Signature}, the hex HMAC-SHA256 of {@code METHOD\npath\nk1=v1&k2=v2...} (parameters sorted by
 * name) under the tenant's {@code app-secret}, and {@code X-App-Id}. Stateless.
 */
public final class SignTicketRequest implements CustomSigner {
    @Override
    public void sign(Request request, Tenant tenant) {
        String secret = tenant.requireProperty("app-secret", getClass().getName());
        String appId = tenant.requireProperty("app-id", getClass().getName());
        StringBuilder query = new StringBuilder();
        new TreeMap<>(request.params())
                .forEach(
                        (k, v) ->
                                query.append(query.length() == 0 ? "" : "&")
                                        .append(k)
                                        .append('=')
                                        .append(v));
        String text = request.method() + "\n" + URI.create(request.url()).getPath() + "\n" + query;
        request.headers().put("X-App-Id", appId);
        request.headers().put("X-Signature", hmac(secret, text));
    }

    /** The hex HMAC-SHA256 of {@code text}: what the platform recomputes. */
    public static String hmac(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
