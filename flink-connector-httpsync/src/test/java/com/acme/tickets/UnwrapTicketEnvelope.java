package com.acme.tickets;

import io.httpsync.connector.endpoint.ResponseTransformer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A response transformer as a user writes one (docs/extending.md): the ticket platform answers with
 * its tickets in an envelope, as an object keyed by ticket id ({@code {"status":"ok","envelope":
 * {"tickets":{"T1":{...}},"more":true}}}), which no records path can read as an array; this moves
 * them to {@code /records}, each with its id, and the flag to {@code /more}. Stateless.
 */
public final class UnwrapTicketEnvelope implements ResponseTransformer {
    @Override
    @SuppressWarnings("unchecked")
    public Object transform(Object response) {
        Map<String, Object> root = (Map<String, Object>) response;
        if (root.get("envelope") instanceof Map<?, ?> envelope) {
            List<Object> records = new ArrayList<>();
            Map<String, Object> byId = (Map<String, Object>) envelope.get("tickets");
            if (byId != null) {
                byId.forEach(
                        (id, fields) -> {
                            Map<String, Object> record = new LinkedHashMap<>();
                            record.put("id", id);
                            record.putAll((Map<String, Object>) fields);
                            records.add(record);
                        });
            }
            root.put("records", records);
            root.put("more", envelope.get("more"));
        }
        return root;
    }
}
