package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

/** A token endpoint gave no usable token. The message names the tenant and the cause, never a secret. */
@Internal
public final class TokenFetchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
