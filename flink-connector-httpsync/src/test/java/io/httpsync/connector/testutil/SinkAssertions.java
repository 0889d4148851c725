package io.httpsync.connector.testutil;

import io.httpsync.simulator.platform.GroundTruth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Compares what a sink holds (id -> update time) with what the simulator holds. */
public final class SinkAssertions {
    private SinkAssertions() {}

    /** The sink holds exactly the platform's live records, each in its latest version. */
    public static void assertEqualsTruth(Map<String, Long> sink, GroundTruth truth) {
        List<String> missing = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (GroundTruth.TruthRecord r : truth.live()) {
            Long synced = sink.get(r.id());
            if (synced == null) missing.add(r.id());
            else if (synced != r.updateTime())
                stale.add(r.id() + " (sink " + synced + ", platform " + r.updateTime() + ")");
        }
        assertThat(missing)
                .as("records of tenant %s missing from the sink", truth.tenant())
                .isEmpty();
        assertThat(stale).as("records of tenant %s stale in the sink", truth.tenant()).isEmpty();
        assertThat(sink.keySet())
                .as("sink of tenant %s holds only live records", truth.tenant())
                .containsExactlyInAnyOrderElementsOf(truth.byId().keySet());
    }

    /**
     * The sink holds exactly the platform's live records last updated in {@code [from, to)}, each
     * in that version: what a bounded sync of that range must produce when nothing changes.
     */
    public static void assertEqualsTruthWithin(
            Map<String, Long> sink, GroundTruth truth, long from, long to) {
        Map<String, Long> expected = new java.util.HashMap<>();
        for (GroundTruth.TruthRecord r : truth.live()) {
            if (r.updateTime() >= from && r.updateTime() < to) expected.put(r.id(), r.updateTime());
        }
        assertThat(expected)
                .as("the range must hold records, or the test proves nothing")
                .isNotEmpty();
        assertThat(sink)
                .as(
                        "sink of tenant %s vs the platform's records updated in [%s, %s)",
                        truth.tenant(), from, to)
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    /**
     * Every record the platform last updated before {@code position} is in the sink in that version
     * (records updated later may be anywhere in between; deleted ones are not checked).
     */
    public static int assertCompleteUpTo(Map<String, Long> sink, GroundTruth truth, long position) {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (GroundTruth.TruthRecord r : truth.live()) {
            if (r.updateTime() >= position) continue;
            checked++;
            Long synced = sink.get(r.id());
            if (synced == null || synced != r.updateTime())
                wrong.add(r.id() + " (sink " + synced + ", platform " + r.updateTime() + ")");
        }
        assertThat(wrong)
                .as(
                        "records of %s updated before the position %s, missing or stale",
                        truth.tenant(), position)
                .isEmpty();
        return checked;
    }
}
