package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

/**
 * A successful answer that does not have the shape the endpoint description promises (records that
 * are no array, a total that is missing, a cursor that does not advance). Retrying would get the
 * same answer, so it is not retried.
 */
@Internal
public final class ResponseFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ResponseFormatException(String message) {
        super(message);
    }
}
