package io.httpsync.connector.source.event;

import io.httpsync.connector.auth.Tenant;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

/**
 * Enumerator to reader: tenants of a tenant registry the reader has not heard of, or whose
 * properties changed since it last heard them (credentials included). Sent before any window of
 * such a tenant is assigned to the reader, in answer to its request, report or poll. A reader keeps
 * every tenant it heard of: windows of a disabled tenant still in flight are read with them.
 *
 * @param tenants the new or changed tenants (their secrets never appear in {@link #toString})
 */
@Internal
public record TenantsEvent(List<Tenant> tenants) implements SourceEvent {
    private static final long serialVersionUID = 1L;

    public TenantsEvent {
        tenants = List.copyOf(tenants);
    }

    /** Only the ids: events may be logged. */
    @Override
    public String toString() {
        return "TenantsEvent{tenants=" + tenants.stream().map(Tenant::id).toList() + "}";
    }
}
