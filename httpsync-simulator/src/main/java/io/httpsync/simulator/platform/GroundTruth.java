package io.httpsync.simulator.platform;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Exactly what a platform holds for one tenant and one kind of entity, as of the moment it was
 * taken: every live record as the platform's list API renders it, and the ids of records deleted
 * since the simulator started.
 *
 * @param tenant the tenant (shop, corp)
 * @param entity what was listed: {@code orders}, {@code departments}, {@code users}
 */
public record GroundTruth(
        String tenant, String entity, List<TruthRecord> live, List<String> deletedIds) {

    /**
     * One live record.
     *
     * @param id the record's id as the platform renders it
     * @param updateTime epoch millis of its last update (0 where the platform has no update time)
     * @param contentHash SHA-256 of the canonical JSON of {@code content}
     * @param content the record as the list API returns it
     */
    public record TruthRecord(String id, long updateTime, String contentHash, JsonNode content) {}

    public Map<String, TruthRecord> byId() {
        return live.stream().collect(Collectors.toMap(TruthRecord::id, Function.identity()));
    }
}
