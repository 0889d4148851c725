package io.httpsync.connector.http;

import org.apache.flink.annotation.Internal;

/**
 * An answer whose body is larger than {@code response.max-body-size}; it was not read further.
 * Retrying would get the same answer, so the page fails at once.
 */
@Internal
public final class ResponseTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResponseTooLargeException(String message) {
        super(message);
    }
}
