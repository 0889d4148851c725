package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import javax.annotation.Nullable;

/**
 * Reader to enumerator: "the tenant's access token, please". The enumerator holds the job's one
 * token per tenant and answers with a {@link TokenEvent}, at once if it has a usable token, else
 * with one of the reader's next messages (it answers only readers that speak, see {@link
 * ReaderPollEvent}).
 *
 * @param tenant the tenant id
 * @param rejectedToken the token the platform just refused as expired or invalid, or null: the
 *     enumerator fetches a new one only if this is still its current token, so several readers
 *     reporting one dead token cause one refresh
 */
@Internal
public record TokenRequestEvent(String tenant, @Nullable String rejectedToken)
        implements SourceEvent {
    private static final long serialVersionUID = 1L;

    /** Without the token: events may be logged. */
    @Override
    public String toString() {
        return "TokenRequestEvent{tenant="
                + tenant
                + (rejectedToken == null ? "" : ", rejectedToken=******")
                + "}";
    }
}
