package io.httpsync.connector.source.reader;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.pagination.NumberedPosition;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.RecordMeta;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitState;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.FlinkRuntimeException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A record that cannot be decoded fails its window (or the job); it never leaves a finished window
 * behind.
 */
class HttpSyncRecordEmitterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EndpointSpec ENDPOINT =
            EndpointSpec.fromOptions(
                    Map.of(
                            "url",
                            "https://example.com/orders",
                            "response.records-path",
                            "/items",
                            "response.record.id-path",
                            "/id",
                            "response.record.time-path",
                            "/t"));

    /** Decodes the amount; a record whose amount is no number cannot be decoded. */
    private static final class Amounts implements RecordDeserializer<Long> {
        @Override
        public Long deserialize(JsonNode record, RecordMeta meta) throws IOException {
            if (!record.path("amount").isNumber())
                throw new IOException("amount of order " + meta.id() + " is no number");
            return record.path("amount").asLong();
        }

        @Override
        public TypeInformation<Long> getProducedType() {
            return Types.LONG;
        }
    }

    private static JsonNode order(String id, String amount) throws IOException {
        return JSON.readTree(
                "{\"id\":\"" + id + "\",\"t\":1700000000000,\"amount\":" + amount + "}");
    }

    private static final PagePosition SECOND_PAGE =
            new NumberedPosition(NumberedPosition.Phase.FORWARD, 1, -1, -1, 0, 1);

    private static HttpSyncRecordEmitter<Long> emitter(ExceptionPolicy policy) {
        PlatformClock clock = new PlatformClock(System::currentTimeMillis);
        HttpSyncReaderMetrics metrics =
                new HttpSyncReaderMetrics(
                        UnregisteredMetricsGroup.createSourceReaderMetricGroup(),
                        List.of("a"),
                        clock);
        return new HttpSyncRecordEmitter<>(
                ENDPOINT, new Amounts(), policy, new PlatformClockCheck(clock, 0), metrics);
    }

    @Test
    void anUndecodableRecordFailsItsWindowWithOneEventAndTheRestIsStillEmitted() throws Exception {
        HttpSyncRecordEmitter<Long> emitter = emitter(ExceptionPolicy.RECORD_AND_RETRY);
        WindowSplit split = WindowSplit.of("a", 1_700_000_000_000L, 1_700_003_600_000L);
        WindowSplitState state = new WindowSplitState(split);
        TestingReaderOutput<SyncElement<Long>> output = new TestingReaderOutput<>();

        emitter.emitRecord(
                FetchedPage.page(
                        List.of(
                                order("1", "10"),
                                order("2", "\"ten\""),
                                order("3", "null"),
                                order("4", "40")),
                        SECOND_PAGE,
                        0),
                output,
                state);
        emitter.emitRecord(FetchedPage.page(List.of(order("5", "\"x\"")), null, 0), output, state);

        List<SyncElement<Long>> out = output.getEmittedRecords();
        assertThat(out.stream().filter(SyncElement::isRecord).map(e -> e.record()))
                .containsExactly(10L, 40L);
        assertThat(out.stream().filter(SyncElement::isException))
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.exception().message())
                                    .isEqualTo(
                                            "record could not be decoded: amount of order 2 is no number");
                            assertThat(e.exception().windowStart()).isEqualTo(split.startMillis());
                            assertThat(e.exception().tenantId()).isEqualTo("a");
                        });
        WindowOutcome outcome = state.toSplit().outcome();
        assertThat(outcome.kind())
                .as("the last page finished the window, but the failure stays")
                .isEqualTo(WindowOutcome.Kind.FAILED);
        assertThat(outcome.failureReason()).contains("order 2");
        // a later "too large" does not hide the failure
        state.ended(WindowOutcome.tooLarge(10, null));
        assertThat(state.outcome().kind()).isEqualTo(WindowOutcome.Kind.FAILED);
    }

    @Test
    void thePageAtWhichPagingStoppedAtTheCapIsEmittedBeforeTheWindowIsReportedTooLarge()
            throws Exception {
        HttpSyncRecordEmitter<Long> emitter = emitter(ExceptionPolicy.RECORD_AND_RETRY);
        WindowSplitState state =
                new WindowSplitState(WindowSplit.of("a", 1_600_000_000_000L, 1_800_000_000_000L));
        TestingReaderOutput<SyncElement<Long>> output = new TestingReaderOutput<>();

        emitter.emitRecord(
                FetchedPage.tooLarge(
                        List.of(order("1", "10"), order("2", "20")), -1, 1_700_000_000_000L, 0),
                output,
                state);

        assertThat(output.getEmittedRecords())
                .extracting(e -> e.record())
                .as("the enumerator counts [coveredFrom, end) as read")
                .containsExactly(10L, 20L);
        assertThat(state.toSplit().outcome())
                .isEqualTo(WindowOutcome.tooLarge(-1, 1_700_000_000_000L));
    }

    @Test
    void underPolicyFailAnUndecodableRecordFailsTheJob() throws Exception {
        HttpSyncRecordEmitter<Long> emitter = emitter(ExceptionPolicy.FAIL);
        WindowSplitState state = new WindowSplitState(WindowSplit.of("a", 0, 1000));
        assertThatThrownBy(
                        () ->
                                emitter.emitRecord(
                                        FetchedPage.page(List.of(order("2", "\"ten\"")), null, 0),
                                        new TestingReaderOutput<>(),
                                        state))
                .isInstanceOf(FlinkRuntimeException.class)
                .hasMessageContaining("amount of order 2 is no number");
    }
}
