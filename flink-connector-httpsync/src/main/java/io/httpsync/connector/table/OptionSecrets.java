package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistryOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The values of a table's options that must never appear in a message: every tenant property
 * ({@code tenant.<id>.*}, app keys included) and every option whose key looks secret ({@link
 * Tenant#isSecretKey}: tokens, secrets, passwords, credentials, API keys, {@code Authorization}
 * headers). Values shorter than four characters are left alone: masking them would garble every
 * message and they hide nothing.
 *
 * <p>Immutable; used on the planner's thread.
 */
@Internal
final class OptionSecrets {
    private static final String MASK = "******";
    private static final int MIN_MASKED_LENGTH = 4;

    private final List<String> values;

    private OptionSecrets(List<String> values) {
        this.values = values;
    }

    static OptionSecrets of(Map<String, String> options) {
        List<String> values = new ArrayList<>();
        options.forEach(
                (key, value) -> {
                    boolean secret =
                            key.startsWith(HttpSyncConnectorOptions.TENANT_PREFIX)
                                    || Tenant.isSecretKey(key)
                                    // a JDBC URL may carry the database password
                                    || key.equals(TenantRegistryOptions.URL.key());
                    if (secret && value != null && value.length() >= MIN_MASKED_LENGTH)
                        values.add(value);
                });
        // the longest first, so that a value containing another is masked whole
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new OptionSecrets(List.copyOf(values));
    }

    String redact(String text) {
        if (text == null) return null;
        String out = text;
        for (String value : values) out = out.replace(value, MASK);
        return out;
    }

    /**
     * {@code error} as a {@link ValidationException} whose message and causes' messages are
     * redacted (each cause keeps its stack trace and, in its message, the name of its class).
     */
    ValidationException redacted(Throwable error) {
        ValidationException redacted =
                new ValidationException(
                        redact(error.getMessage()), redactedCause(error.getCause()));
        redacted.setStackTrace(error.getStackTrace());
        return redacted;
    }

    private RuntimeException redactedCause(Throwable cause) {
        if (cause == null) return null;
        RuntimeException redacted =
                new RedactedCause(
                        cause.getClass().getName() + ": " + redact(cause.getMessage()),
                        redactedCause(cause.getCause() == cause ? null : cause.getCause()));
        redacted.setStackTrace(cause.getStackTrace());
        return redacted;
    }

    /** A cause whose message was redacted; its own message names the class of the original. */
    static final class RedactedCause extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedactedCause(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
