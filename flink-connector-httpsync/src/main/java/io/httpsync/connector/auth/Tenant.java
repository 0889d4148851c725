package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One account a job syncs for (a shop, a corp): an id and its properties (app key, secrets, a
 * static token, ids the request templates use as {@code ${tenant.<property>}}). Immutable.
 *
 * <p>A property whose key looks secret ({@link #isSecretKey}: {@code secret}, {@code password},
 * {@code token}, {@code credential}, {@code authorization}, {@code apikey}, {@code session}, any
 * case) is a secret: it never appears in {@link #toString()}, in an exception message this package
 * builds, or in a log line; {@link #redact} removes secret values from texts that may have picked
 * one up (an error body that echoes a request).
 */
@PublicEvolving
public final class Tenant implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String MASK = "******";
    private static final List<String> SECRET_KEY_MARKERS =
            List.of(
                    "secret",
                    "password",
                    "token",
                    "credential",
                    "authorization",
                    "apikey",
                    "api-key",
                    "api_key",
                    "session");

    /**
     * Shorter secret values are not redacted from texts: they would match too much to be
     * meaningful.
     */
    private static final int MIN_REDACTED_LENGTH = 4;

    private final String id;
    private final TreeMap<String, String> properties;

    private Tenant(String id, Map<String, String> properties) {
        if (id == null || id.isBlank())
            throw new IllegalArgumentException("a tenant needs a non-empty id");
        this.id = id;
        this.properties = new TreeMap<>();
        properties.forEach(
                (k, v) -> {
                    if (k == null || v == null)
                        throw new IllegalArgumentException(
                                "tenant '" + id + "' has a null property key or value");
                    this.properties.put(k, v);
                });
    }

    public static Tenant of(String id, Map<String, String> properties) {
        return new Tenant(id, properties);
    }

    public static Tenant of(String id) {
        return new Tenant(id, Map.of());
    }

    /**
     * Whether a property (or an option) with this key holds a secret: its key contains {@code
     * secret}, {@code password}, {@code token}, {@code credential}, {@code authorization}, {@code
     * apikey}/{@code api-key}/ {@code api_key} or {@code session} (TOP's access token), in any
     * case.
     */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String marker : SECRET_KEY_MARKERS) {
            if (k.contains(marker)) return true;
        }
        return false;
    }

    public String id() {
        return id;
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /**
     * The property's value.
     *
     * @param neededBy what needs it (an option key), for the error message
     * @throws IllegalArgumentException naming the tenant and the key, never a value
     */
    public String requireProperty(String key, String neededBy) {
        String v = properties.get(key);
        if (v == null) {
            throw new IllegalArgumentException(
                    "tenant '"
                            + id
                            + "' has no property '"
                            + key
                            + "' (needed by "
                            + neededBy
                            + "); it has "
                            + properties.keySet());
        }
        return v;
    }

    /** All properties, secrets included: for serializers and signers only, never for messages. */
    public Map<String, String> properties() {
        return Collections.unmodifiableMap(properties);
    }

    /**
     * {@code text} with every secret property value, and every value of {@code moreSecrets},
     * masked.
     */
    public String redact(String text, Collection<String> moreSecrets) {
        if (text == null) return null;
        String out = text;
        for (Map.Entry<String, String> e : properties.entrySet()) {
            if (isSecretKey(e.getKey())) out = mask(out, e.getValue());
        }
        for (String s : moreSecrets) out = mask(out, s);
        return out;
    }

    public String redact(String text) {
        return redact(text, List.of());
    }

    private static String mask(String text, String secret) {
        return secret == null || secret.length() < MIN_REDACTED_LENGTH
                ? text
                : text.replace(secret, MASK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tenant other
                && other.id.equals(id)
                && other.properties.equals(properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, properties);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tenant{id=").append(id).append(", properties={");
        String sep = "";
        for (Map.Entry<String, String> e : properties.entrySet()) {
            sb.append(sep)
                    .append(e.getKey())
                    .append('=')
                    .append(isSecretKey(e.getKey()) ? MASK : e.getValue());
            sep = ", ";
        }
        return sb.append("}}").toString();
    }
}
