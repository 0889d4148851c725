package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Thrown by a {@link RecordDeserializer} for a record it cannot decode when reading the record's
 * window again would not change that (the table's format refuses the record's shape): the job
 * fails, whatever the exception policy, rather than retrying the window for ever. The message must
 * name the record (id, tenant, window) but not hold its content, which is the tenant's data.
 */
@PublicEvolving
public final class RecordDecodingException extends FlinkRuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
