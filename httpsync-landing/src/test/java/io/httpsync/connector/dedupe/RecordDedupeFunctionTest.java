package io.httpsync.connector.dedupe;

import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordMeta;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordDedupeFunctionTest {

    private static RawRecord record(String tenant, String id, long updateTime, String json) {
        return new RawRecord(new RecordMeta(tenant, id, updateTime, 0, 1000, 5), json);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RawRecord, RawRecord> harness(
            RecordDedupeFunction fn) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), Dedupe.KEY, Types.STRING);
        h.open();
        return h;
    }

    private static List<String> passed(
            KeyedOneInputStreamOperatorTestHarness<String, RawRecord, RawRecord> h) {
        return h.extractOutputValues().stream()
                .map(r -> r.tenant + "/" + r.id + "@" + r.updateTime)
                .toList();
    }

    @Test
    void replayOfUnchangedRecordsPassesNothing() throws Exception {
        RecordDedupeFunction fn = new RecordDedupeFunction(null);
        try (var h = harness(fn)) {
            for (int pass = 0; pass < 2; pass++) {
                h.processElement(
                        new StreamRecord<>(record("s1", "a", 10, "{\"id\":\"a\",\"v\":1}")));
                h.processElement(
                        new StreamRecord<>(record("s1", "b", 20, "{\"id\":\"b\",\"v\":2}")));
            }
            assertThat(passed(h)).containsExactly("s1/a@10", "s1/b@20");
            assertThat(fn.counts()).containsExactly(4, 2, 2, 0);
        }
    }

    @Test
    void keyOrderAndWhitespaceDoNotCountAsChange() throws Exception {
        RecordDedupeFunction fn = new RecordDedupeFunction(null);
        try (var h = harness(fn)) {
            h.processElement(
                    new StreamRecord<>(
                            record("s1", "a", 10, "{\"id\":\"a\",\"x\":{\"p\":1,\"q\":[1,2]}}")));
            h.processElement(
                    new StreamRecord<>(
                            record(
                                    "s1",
                                    "a",
                                    10,
                                    "{ \"x\": {\"q\": [1, 2], \"p\": 1}, \"id\": \"a\" }")));
            assertThat(passed(h)).containsExactly("s1/a@10");
            assertThat(fn.counts()[2]).isEqualTo(1);
        }
    }

    @Test
    void newerChangedVersionPassesAndOlderOneIsDroppedAsStale() throws Exception {
        RecordDedupeFunction fn = new RecordDedupeFunction(null);
        try (var h = harness(fn)) {
            h.processElement(new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}")));
            h.processElement(new StreamRecord<>(record("s1", "a", 30, "{\"v\":3}")));
            h.processElement(
                    new StreamRecord<>(record("s1", "a", 20, "{\"v\":2}"))); // arrives late
            h.processElement(
                    new StreamRecord<>(
                            record("s1", "a", 30, "{\"v\":4}"))); // same time, new content
            assertThat(passed(h)).containsExactly("s1/a@10", "s1/a@30", "s1/a@30");
            assertThat(fn.counts()).containsExactly(4, 3, 0, 1);
        }
    }

    @Test
    void tenantsAreKeptApart() throws Exception {
        try (var h = harness(new RecordDedupeFunction(null))) {
            h.processElement(new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}")));
            h.processElement(new StreamRecord<>(record("s2", "a", 10, "{\"v\":1}")));
            assertThat(passed(h)).containsExactly("s1/a@10", "s2/a@10");
        }
    }

    @Test
    void stateSurvivesSnapshotAndRestore() throws Exception {
        var snapshot = harnessSnapshotAfter(record("s1", "a", 10, "{\"v\":1}"));
        RecordDedupeFunction fn = new RecordDedupeFunction(null);
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), Dedupe.KEY, Types.STRING);
        h.initializeState(snapshot);
        h.open();
        h.processElement(new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}")));
        h.processElement(new StreamRecord<>(record("s1", "a", 5, "{\"v\":0}")));
        assertThat(passed(h)).isEmpty();
        h.close();
    }

    private static org.apache.flink.runtime.checkpoint.OperatorSubtaskState harnessSnapshotAfter(
            RawRecord first) throws Exception {
        try (var h = harness(new RecordDedupeFunction(null))) {
            h.processElement(new StreamRecord<>(first));
            return h.snapshot(1, 1);
        }
    }

    @Test
    void expiredStateLetsTheRecordPassAgain() throws Exception {
        try (var h = harness(new RecordDedupeFunction(Duration.ofMinutes(10)))) {
            h.setStateTtlProcessingTime(0);
            h.processElement(new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}")));
            h.setStateTtlProcessingTime(Duration.ofMinutes(9).toMillis());
            h.processElement(
                    new StreamRecord<>(
                            record("s1", "a", 10, "{\"v\":1}"))); // seen: refreshes the TTL
            h.setStateTtlProcessingTime(Duration.ofMinutes(18).toMillis());
            h.processElement(
                    new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}"))); // still remembered
            h.setStateTtlProcessingTime(Duration.ofMinutes(40).toMillis());
            h.processElement(new StreamRecord<>(record("s1", "a", 10, "{\"v\":1}"))); // forgotten
            assertThat(passed(h)).containsExactly("s1/a@10", "s1/a@10");
        }
    }

    @Test
    void rejectsNonPositiveTtlAndInvalidJson() throws Exception {
        assertThatThrownBy(() -> new RecordDedupeFunction(Duration.ZERO))
                .hasMessageContaining("TTL must be positive");
        try (var h = harness(new RecordDedupeFunction(null))) {
            assertThatThrownBy(
                            () ->
                                    h.processElement(
                                            new StreamRecord<>(record("s1", "a", 10, "{not json"))))
                    .hasMessageContaining("not valid JSON");
        }
    }

    @Test
    void restoredStateDropsTheSameContentReadFromAPageAndPassesAChangedOne() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new RecordDedupeFunction(null))) {
            // the state as earlier versions wrote it: the hash of the text
            h.processElement(
                    new StreamRecord<>(
                            record("s1", "a", 10, "{\"id\":\"a\",\"n\":{\"b\":2,\"a\":1}}")));
            snapshot = h.snapshot(1, 1);
        }
        RecordDedupeFunction fn = new RecordDedupeFunction(null);
        try (var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), Dedupe.KEY, Types.STRING)) {
            h.initializeState(snapshot);
            h.open();
            ObjectMapper json = new ObjectMapper();
            RecordMeta meta = new RecordMeta("s1", "a", 20, 0, 1000, 5);
            // now the hash comes with the record, computed from the page's parsed document
            h.processElement(
                    new StreamRecord<>(
                            new RawRecord(
                                    meta,
                                    json.readTree("{\"n\":{\"a\":1,\"b\":2},\"id\":\"a\"}"))));
            h.processElement(
                    new StreamRecord<>(
                            new RawRecord(
                                    meta,
                                    json.readTree("{\"n\":{\"a\":1,\"b\":3},\"id\":\"a\"}"))));
            assertThat(passed(h)).containsExactly("s1/a@20");
            assertThat(fn.counts()).containsExactly(2, 1, 1, 0);
        }
    }
}
