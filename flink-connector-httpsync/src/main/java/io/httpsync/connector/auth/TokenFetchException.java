package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

/**
 * A token endpoint gave no usable token. The message names the tenant and the cause, never a
 * secret. The HTTP status of the token endpoint's answer tells a refusal (a wrong app secret or
 * code: asking again gives the same answer) from an endpoint out of reach (no answer, -1).
 */
@Internal
public final class TokenFetchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int answerStatus;

    /** The endpoint gave no answer. */
    public TokenFetchException(String message, Throwable cause) {
        this(message, cause, -1);
    }

    /**
     * @param answerStatus the HTTP status of the token endpoint's answer, or -1 if none came
     */
    public TokenFetchException(String message, Throwable cause, int answerStatus) {
        super(message, cause);
        this.answerStatus = answerStatus;
    }

    /** The HTTP status of the token endpoint's answer, or -1 if none came. */
    public int answerStatus() {
        return answerStatus;
    }
}
