package io.httpsync.connector.http;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serial;

/**
 * A page request failed for good; its {@link ExceptionEvent} says where and why, without secrets.
 */
@PublicEvolving
public final class RequestFailedException extends Exception {
    @Serial private static final long serialVersionUID = 1L;

    private final ExceptionEvent event;

    public RequestFailedException(ExceptionEvent event) {
        super(
                event.endpoint()
                        + " failed for tenant '"
                        + event.tenantId()
                        + "' after "
                        + event.attempts()
                        + " attempt(s) ("
                        + event.kind()
                        + "): "
                        + event.message());
        this.event = event;
    }

    public ExceptionEvent event() {
        return event;
    }
}
