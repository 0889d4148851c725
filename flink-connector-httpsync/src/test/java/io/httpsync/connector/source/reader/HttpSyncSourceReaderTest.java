package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.TenantPosition;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.SyncPositionEvent;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reader's side of the protocol with the enumerator, without any HTTP: it asks for its windows
 * at start, polls the enumerator while it runs (woken by a timer when idle), and, if asked to,
 * emits each tenant's position once when it advances (waking an idle reader for it).
 */
class HttpSyncSourceReaderTest {
    private static final long POLL_INTERVAL = 50;

    private static HttpSyncSourceReader<RawRecord> reader(
            TestingReaderContext context, boolean emitTenantPositions) {
        return reader(context, emitTenantPositions, SplitsInFlight.fixed(3));
    }

    private static HttpSyncSourceReader<RawRecord> reader(
            TestingReaderContext context,
            boolean emitTenantPositions,
            SplitsInFlight splitsInFlight) {
        EndpointSpec endpoint =
                EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders("http://localhost:1"));
        return HttpSyncReaders.create(
                endpoint,
                HierarchicalRateLimiter.evenShare(endpoint.rateLimits(), 1),
                List.of(Tenant.of("a"), Tenant.of("b")),
                RecordDeserializer.raw(),
                ExceptionPolicy.RECORD_AND_RETRY,
                splitsInFlight,
                emitTenantPositions,
                POLL_INTERVAL,
                0L,
                context);
    }

    /** Flink's testing output, keeping the watermarks too. */
    private static final class Output extends TestingReaderOutput<SyncElement<RawRecord>> {
        final List<Long> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }
    }

    private static long polls(TestingReaderContext context) {
        return context.getSentEvents().stream().filter(e -> e instanceof ReaderPollEvent).count();
    }

    private static List<TenantPosition> positions(Output output) {
        List<TenantPosition> out =
                output.getEmittedRecords().stream().map(SyncElement::position).toList();
        output.clearEmittedRecords();
        return out;
    }

    @Test
    void asksForItsWindowsAtStartAndPollsWhileItRunsWokenByATimerWhenIdle() throws Exception {
        TestingReaderContext context = new TestingReaderContext();
        try (var reader = reader(context, false)) {
            reader.start();
            assertThat(context.getNumSplitRequests()).isEqualTo(3);

            Output output = new Output();
            reader.pollNext(output);
            assertThat(polls(context)).as("the first poll goes out at once").isEqualTo(1);
            reader.pollNext(output);
            assertThat(polls(context)).as("then at most once per interval").isEqualTo(1);

            reader.isAvailable()
                    .get(10, TimeUnit.SECONDS); // an idle reader is woken for its next poll
            reader.pollNext(output);
            assertThat(polls(context)).isEqualTo(2);
            assertThat(output.getEmittedRecords()).isEmpty();
        }
    }

    @Test
    void aSizedReaderAsksForRateTimesLatencyWindowsOnceAndNotAgainWhileItsRequestsWait()
            throws Exception {
        TestingReaderContext context = new TestingReaderContext();
        EndpointSpec endpoint =
                EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders("http://localhost:1"));
        // two tenants of the preset's per-tenant bucket, one reader, 200 ms assumed latency
        double rate = endpoint.rateLimits().requestsPerSecond(2);
        int expected = (int) Math.ceil(rate * 0.2 * 1.5) + 1;
        try (var reader = reader(context, false, SplitsInFlight.sized(64))) {
            reader.start();
            assertThat(expected).isGreaterThan(4);
            assertThat(context.getNumSplitRequests()).isEqualTo(expected);
            Output output = new Output();
            reader.pollNext(output);
            Thread.sleep(2 * POLL_INTERVAL);
            reader.pollNext(output);
            assertThat(context.getNumSplitRequests())
                    .as("requests still waiting count as held")
                    .isEqualTo(expected);
        }
    }

    @Test
    void emitsEachTenantsPositionOnceWhenItAdvancesIfAskedTo() throws Exception {
        TestingReaderContext context = new TestingReaderContext();
        try (var reader = reader(context, true)) {
            reader.start();
            Output output = new Output();
            reader.pollNext(output);

            reader.handleSourceEvents(new SyncPositionEvent(Map.of("a", 100L, "b", 50L)));
            assertThat(reader.isAvailable())
                    .as("an idle reader is woken for new positions")
                    .isDone();
            reader.pollNext(output);
            assertThat(positions(output))
                    .containsExactlyInAnyOrder(
                            new TenantPosition("a", 100), new TenantPosition("b", 50));
            assertThat(output.watermarks)
                    .as("all data before the lowest position is in")
                    .containsExactly(49L);

            reader.handleSourceEvents(new SyncPositionEvent(Map.of("a", 100L, "b", 70L)));
            reader.pollNext(output);
            assertThat(positions(output))
                    .as("only what advanced")
                    .containsExactly(new TenantPosition("b", 70));

            reader.handleSourceEvents(new SyncPositionEvent(Map.of("a", 100L, "b", 70L)));
            reader.pollNext(output);
            assertThat(positions(output)).isEmpty();
        }
    }

    @Test
    void emitsNoPositionsUnlessAskedTo() throws Exception {
        TestingReaderContext context = new TestingReaderContext();
        try (var reader = reader(context, false)) {
            reader.start();
            Output output = new Output();
            reader.handleSourceEvents(new SyncPositionEvent(Map.of("a", 100L, "b", 50L)));
            reader.pollNext(output);
            assertThat(output.getEmittedRecords()).isEmpty();
            assertThat(output.watermarks)
                    .as("the watermark follows the positions all the same")
                    .containsExactly(49L);
        }
    }
}
