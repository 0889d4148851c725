package io.httpsync.connector.hostile;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.hostile.HostileListApi.Cursors;
import io.httpsync.connector.hostile.HostileListApi.Order;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.enumerator.SyncPlan;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.LogCapture;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The source against platforms that misbehave, each a small HTTP server of its own ({@link
 * HostileListApi}) with its own ground truth, one case per way of losing data silently (secrets in
 * messages and readable logs are tested by {@code SecretsNeverInMessagesITCase} and {@code
 * FetchActivityLogTest}), for each paging style the case applies to, and more that platforms do (a
 * deep-paging cap no window can get under, a page served for every page number, a total that keeps
 * growing, answers that are HTML, truncated or an unknown code). Every case ends in one of two
 * ways, never a third: the sync is complete (every order of the ground truth emitted, no event), or
 * the failure is loud: exception events name the option or the answer at fault, the failed window
 * is retried and the sync position stays at it (nothing behind the position is missing), and the
 * bounded job finally fails naming the cause; under policy {@code FAIL} the job fails at once. A
 * bounded sync of six one-hour windows runs on a MiniCluster.
 */
class HostilePlatformITCase {
    private static final String TENANT = "shop-1";

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                            .build());

    @RegisterExtension
    final LogCapture clockWarnings =
            new LogCapture("WARN", "io.httpsync.connector.source.reader.PlatformClock");

    private long start;
    private long end;
    private HostileListApi api;

    @BeforeEach
    void range() {
        long now = System.currentTimeMillis();
        end = now - Duration.ofMinutes(2).toMillis();
        end -= end % 1000;
        start = end - Duration.ofHours(6).toMillis();
    }

    @AfterEach
    void stop() {
        if (api != null) api.close();
    }

    private HostileListApi platform(int orders) throws IOException {
        api = new HostileListApi(start, end, orders, orders);
        return api;
    }

    /** A time in the middle of the range: the window holding it is the one a case breaks. */
    private long middle() {
        return start + (end - start) / 2 + 1;
    }

    /**
     * The options a user writes from the platform's documentation: {@code variant} is the paging
     * style, optionally followed by "with total" or "with has-next" for the response path to
     * configure besides.
     */
    private Map<String, String> endpoint(String variant, int pageSize) {
        String style = variant.split(" ")[0];
        Map<String, String> o = new LinkedHashMap<>();
        if (variant.endsWith("with total")) o.put("response.total-path", "/data/total");
        if (variant.endsWith("with has-next")) o.put("response.has-next-path", "/data/has_more");
        o.put("name", "hostile/orders");
        o.put("url", api.url());
        o.put("request.param.start_time", "${window.start}");
        o.put("request.param.end_time", "${window.end}");
        switch (style) {
            case "page" -> {
                o.put("request.param.page_no", "${page}");
                o.put("request.param.page_size", "${pageSize}");
            }
            case "offset" -> {
                o.put("request.param.offset", "${offset}");
                o.put("request.param.limit", "${pageSize}");
            }
            case "cursor" -> {
                o.put("request.param.cursor", "${cursor}");
                o.put("request.param.page_size", "${pageSize}");
                o.put("response.cursor-path", "/data/next_cursor");
            }
            default -> throw new IllegalArgumentException(style);
        }
        o.put("pagination.style", style);
        o.put("pagination.page-size", Integer.toString(pageSize));
        o.put("time.format", "epoch-millis");
        o.put("response.records-path", "/data/items");
        o.put("response.error-code-path", "/code");
        o.put("error.success-codes", "0");
        o.put("response.record.id-path", "/order_id");
        o.put("response.record.time-path", "/modified");
        o.put("rate-limit.permits-per-second", "500");
        o.put("rate-limit.burst", "20");
        o.put("retry.initial-backoff", "20 ms");
        o.put("retry.max-backoff", "200 ms");
        return o;
    }

    private HttpSyncSource<RawRecord> source(Map<String, String> options, ExceptionPolicy policy) {
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(options))
                .setTenants(List.of(Tenant.of(TENANT, Map.of())))
                .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                .setWindowStep(Duration.ofHours(1))
                // fixed: each case needs hour windows holding several pages, which readers sized
                // from the rate would narrow to fill their slots
                .setSplitsInFlightPerReader(4)
                .setFailedWindowRetryDelay(Duration.ofMillis(300))
                .setDeserializer(RecordDeserializer.raw())
                .setExceptionPolicy(policy)
                .build();
    }

    // ------------------------------------------------------------------ row 4: a page size capped
    // without a word

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset", "cursor"})
    void aPlatformServingFiftyWhenAskedForAHundredWithoutATotalIsReadCompletely(String style)
            throws Exception {
        platform(720).servesAtMost(50).withoutTotal().withoutHasMore();
        assertComplete(runToEnd(source(endpoint(style, 100), ExceptionPolicy.RECORD_AND_RETRY)));
    }

    @Test
    void aPlatformServingFiftyWhenAskedForAHundredWithAHasMoreFlagIsReadCompletely()
            throws Exception {
        platform(720).servesAtMost(50).withoutTotal();
        assertComplete(
                runToEnd(
                        source(
                                endpoint("page with has-next", 100),
                                ExceptionPolicy.RECORD_AND_RETRY)));
    }

    @Test
    void pageNumbersWithATotalOnAPlatformServingFiftyWhenAskedForAHundredAreReadCompletely()
            throws Exception {
        platform(720).servesAtMost(50).withoutHasMore();
        assertComplete(
                runToEnd(
                        source(
                                endpoint("page with total", 100),
                                ExceptionPolicy.RECORD_AND_RETRY)));
    }

    @Test
    void offsetPagingWithATotalOnAPlatformServingFewerThanAskedFailsNamingThePageSize()
            throws Exception {
        platform(720).servesAtMost(50).withoutHasMore();
        Map<String, String> o = endpoint("offset", 100);
        o.put("response.total-path", "/data/total");
        assertLoud(
                runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY)),
                "'pagination.page-size' asked for 100");
    }

    // ------------------------------------------------------------------ an inverted end flag:
    // isLastData

    /**
     * About 20 orders per one-hour window, pages of 50: every window is one short page with no full
     * page before it, which without a flag proves nothing (the platform might serve fewer than
     * asked), so each window would cost a request for an empty page; the last-page flag ends it at
     * once.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset"})
    void aLastPageFlagEndsEachWindowWithoutARequestForAnEmptyPage(String style) throws Exception {
        platform(120).endsWithLastDataFlag().withoutTotal();
        Map<String, String> o = endpoint(style, 50);
        o.put("response.last-page-path", "/data/isLastData");
        assertComplete(runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY)));
        assertThat(api.emptyPages()).as("requests answered with an empty page").isZero();
        assertThat(api.requests()).as("one request per window").isEqualTo(6);
    }

    @Test
    void withoutTheLastPageFlagTheSameWindowsCostARequestForAnEmptyPageEach() throws Exception {
        platform(120).endsWithLastDataFlag().withoutTotal();
        assertComplete(runToEnd(source(endpoint("page", 50), ExceptionPolicy.RECORD_AND_RETRY)));
        assertThat(api.emptyPages()).as("requests answered with an empty page").isEqualTo(6);
    }

    // ------------------------------------------------------------------ row 5: a total that is
    // always too low

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset"})
    void aTotalThatIsAlwaysTooLowIsReadCompletely(String style) throws Exception {
        platform(900).reportsTotal(t -> t * 2 / 5).withoutHasMore();
        Map<String, String> o = endpoint(style, 50);
        o.put("response.total-path", "/data/total");
        assertComplete(runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY)));
    }

    @Test
    void aTotalThatIsAlwaysTooLowBesideAHasMoreFlagIsReadCompletely() throws Exception {
        platform(900).reportsTotal(t -> t * 2 / 5);
        Map<String, String> o = endpoint("page", 50);
        o.put("response.total-path", "/data/total");
        o.put("response.has-next-path", "/data/has_more");
        assertComplete(runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY)));
    }

    // ------------------------------------------------------------------ row 6: a records path that
    // matches nothing

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset", "cursor"})
    void aRecordsPathThatMatchesNothingFailsEveryWindowLoudly(String style) throws Exception {
        platform(300);
        Map<String, String> o = endpoint(style, 50);
        o.put("response.records-path", "/data/list");
        Outcome outcome = runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(
                outcome,
                "option 'response.records-path' /data/list matches nothing in the response ('/data' has the fields [");
        assertThat(outcome.records).isEmpty();
    }

    @Test
    void aRecordsPathThatMatchesNothingFailsAJobUnderPolicyFailNamingTheOption() throws Exception {
        platform(300);
        Map<String, String> o = endpoint("page", 50);
        o.put("response.records-path", "/data/list");
        assertThatThrownBy(() -> runToEnd(source(o, ExceptionPolicy.FAIL)))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("option 'response.records-path' /data/list"));
    }

    @Test
    void aPlatformThatLeavesTheArrayOutOfEmptyPagesIsReadCompletelyWithTheOptIn() throws Exception {
        platform(40).omitsItemsWhenEmpty().withoutHasMore();
        Map<String, String> o = endpoint("page", 50);
        o.put("response.total-path", "/data/total");
        o.put("response.records-may-be-absent", "true");
        Outcome outcome = runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY));
        assertComplete(outcome);
    }

    @Test
    void theOptInDoesNotHideAWrongPathWhenTheTotalSaysThereAreRecords() throws Exception {
        platform(300);
        Map<String, String> o = endpoint("page", 50);
        o.put("response.total-path", "/data/total");
        o.put("response.records-path", "/data/list");
        o.put("response.records-may-be-absent", "true");
        assertLoud(
                runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY)),
                "the response has no records at 'response.records-path'");
    }

    // ------------------------------------------------------------------ row 7: records whose id or
    // time cannot be read

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset", "cursor"})
    void aRecordWithoutAnIdFailsItsWindowLoudly(String style) throws Exception {
        Order bad =
                platform(720).truth().stream()
                        .filter(x -> x.modified() >= middle())
                        .findFirst()
                        .orElseThrow();
        api.corrupts(x -> x.equals(bad), n -> n.remove("order_id"));
        Outcome outcome =
                runUntilItFails(source(endpoint(style, 50), ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(outcome, "a record has no id at '/order_id' (option 'response.record.id-path')");
        assertThat(outcome.events)
                .allSatisfy(
                        e ->
                                assertThat(e.windowStart())
                                        .isLessThanOrEqualTo(bad.modified())
                                        .isLessThan(e.windowEnd())
                                        .isGreaterThan(
                                                bad.modified() - Duration.ofHours(1).toMillis()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "cursor"})
    void aRecordWithAGarbledTimeFailsItsWindowLoudly(String style) throws Exception {
        Order bad =
                platform(720).truth().stream()
                        .filter(x -> x.modified() >= middle())
                        .findFirst()
                        .orElseThrow();
        api.corrupts(x -> x.equals(bad), n -> n.put("modified", "yesterday"));
        assertLoud(
                runUntilItFails(source(endpoint(style, 50), ExceptionPolicy.RECORD_AND_RETRY)),
                "the record time at '/modified' (option 'response.record.time-path'): 'yesterday' is not epoch-millis");
    }

    @Test
    void aScanWithoutRecordIdOrTimePathsIsRefusedBeforeItStarts() throws Exception {
        platform(10);
        for (String option : List.of("response.record.id-path", "response.record.time-path")) {
            Map<String, String> o = endpoint("page", 50);
            o.remove(option);
            assertThatThrownBy(() -> source(o, ExceptionPolicy.RECORD_AND_RETRY))
                    .hasMessageStartingWith(
                            "option '" + option + "' is required with a scan source");
        }
        assertThat(api.requests()).isZero();
    }

    // ------------------------------------------------------------------ rows 8 and 9: cursors

    @Test
    void aCursorThatRunsInACycleFailsItsWindowLoudly() throws Exception {
        long broken = middle();
        platform(720).cursors(Cursors.CYCLE, w -> w.contains(broken));
        Outcome outcome =
                runUntilItFails(source(endpoint("cursor", 20), ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(outcome, "the cursor runs in a cycle");
        assertThat(outcome.events)
                .allSatisfy(e -> assertThat(broken).isBetween(e.windowStart(), e.windowEnd() - 1));
    }

    @Test
    void anEmptyFirstCursorPageThatHandsOutACursorIsReadCompletely() throws Exception {
        platform(720).cursors(Cursors.EMPTY_FIRST_PAGE, w -> true);
        assertComplete(runToEnd(source(endpoint("cursor", 50), ExceptionPolicy.RECORD_AND_RETRY)));
    }

    // ------------------------------------------------------------------ row 10: answers that are
    // not the described JSON

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "page   | <html><body><h1>502 Bad Gateway</h1></body></html> | HTTP 200 with a body that is not JSON: <html>",
                "cursor | <html><body><h1>502 Bad Gateway</h1></body></html> | HTTP 200 with a body that is not JSON: <html>",
                "offset | {\"code\":0,\"data\":{\"items\":[{\"order_id\":\"O1\",\"modi      | HTTP 200 with a body that is not JSON: {",
                "cursor | {\"code\":0,\"data\":{\"items\":[{\"order_id\":\"O1\",\"modi      | HTTP 200 with a body that is not JSON: {",
                "page   | {\"code\":40013,\"message\":\"invalid parameter\"}                    | HTTP 200, code 40013",
                "cursor | {\"code\":40013,\"message\":\"invalid parameter\"}                    | HTTP 200, code 40013"
            })
    void anAnswerThatIsNotTheDescribedJsonFailsItsWindowAndEndsTheBoundedSyncNamingIt(
            String style, String body, String cause) throws Exception {
        long broken = middle();
        platform(300).answers(body, w -> w.contains(broken));
        Outcome outcome =
                runUntilItFails(source(endpoint(style, 50), ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(outcome, cause);
        assertThat(outcome.events)
                .allSatisfy(e -> assertThat(broken).isBetween(e.windowStart(), e.windowEnd() - 1));
    }

    // ------------------------------------------------------------------ more of what platforms do

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page with total", "page", "offset with total", "offset"})
    void aPlatformThatIgnoresThePageNumberFailsItsWindowLoudlyInsteadOfPagingForEver(String variant)
            throws Exception {
        long broken = middle();
        platform(300).ignoresPageAndOffset(w -> w.contains(broken));
        Map<String, String> o = endpoint(variant, 10);
        Outcome outcome = runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(outcome, "holds the same records as the page read before it");
        assertThat(outcome.events)
                .allSatisfy(e -> assertThat(broken).isBetween(e.windowStart(), e.windowEnd() - 1));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "offset"})
    void aTotalThatGrowsWithEveryRequestFailsTheWindowAfterTheAllowedPasses(String style)
            throws Exception {
        platform(300);
        api.reportsTotal(t -> t + api.requests());
        Map<String, String> o = endpoint(style, 10);
        o.put("response.total-path", "/data/total");
        o.put("pagination.max-passes", "2");
        assertLoud(
                runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY)),
                "the window's total kept growing while it was paged");
    }

    // ------------------------------------------------------------------ row 11: a runaway body, a
    // ban of a day

    @Test
    void aRunawayBodyIsCutAtTheCapAndFailsItsWindowLoudly() throws Exception {
        long broken = middle();
        long quarterGigabyte = 250L << 20;
        platform(720).hugeBody(quarterGigabyte, w -> w.contains(broken));
        Outcome outcome =
                runUntilItFails(source(endpoint("page", 50), ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(outcome, "body exceeds 'response.max-body-size' (16 mb)");
        // each attempt stopped reading soon after the cap (the socket buffers hold a little more)
        assertThat(api.bytesSent()).isLessThan(outcome.events.size() * (24L << 20) + (24L << 20));
    }

    @Test
    void aRetryAfterOfADayIsNotWaitedOutButFailsThePageAndTheWindowIsRetried() throws Exception {
        long broken = middle();
        platform(720).bansOnce(Duration.ofDays(1).toSeconds(), w -> w.contains(broken));
        Map<String, String> o = endpoint("page", 50);
        o.put("retry.max-platform-wait", "1 s");
        long started = System.nanoTime();
        Outcome outcome = runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(1));
        assertThat(api.retryAfterAnswers()).isEqualTo(1);
        assertThat(outcome.events)
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.message())
                                    .contains("asked to wait 86400 s")
                                    .contains("'retry.max-platform-wait' (1 s)");
                            assertThat(e.httpStatus()).isEqualTo(429);
                            assertThat(broken).isBetween(e.windowStart(), e.windowEnd() - 1);
                        });
        assertRecordsEqualTruth(outcome);
    }

    // ------------------------------------------------------------------ row 3: no clock to check
    // against

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page", "cursor"})
    void aPlatformWithoutADateHeaderIsReadCompletelyAndItsUnknownClockIsSaidOncePerTenant(
            String style) throws Exception {
        platform(300).withoutDateHeader();
        Outcome outcome = runToEnd(source(endpoint(style, 50), ExceptionPolicy.RECORD_AND_RETRY));
        assertComplete(outcome);
        assertThat(api.requests()).isGreaterThan(6);
        assertThat(clockWarnings.lines())
                .as("warnings about the platform's clock")
                .singleElement()
                .satisfies(
                        line ->
                                assertThat(line)
                                        .contains("tenant " + TENANT + " carry no Date header"));
        assertThat(gauges(outcome.job, "platformClockKnown")).containsOnly(0L);
    }

    @Test
    void aPlatformWithADateHeaderIsNotWarnedAboutAndItsClockIsKnown() throws Exception {
        platform(300);
        Outcome outcome = runToEnd(source(endpoint("page", 50), ExceptionPolicy.RECORD_AND_RETRY));
        assertComplete(outcome);
        assertThat(clockWarnings.lines()).isEmpty();
        assertThat(gauges(outcome.job, "platformClockKnown")).containsOnly(1L);
    }

    /** The values of the job's gauges named {@code name} (one per reader and tenant). */
    private static List<Long> gauges(JobID job, String name) {
        return METRICS.findMetrics(job, name).values().stream()
                .map(m -> ((Number) ((Gauge<?>) m).getValue()).longValue())
                .toList();
    }

    // ------------------------------------------------------------------ a hot spot beyond the
    // deep-paging cap

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page with total", "page", "offset with total", "offset", "cursor"})
    void aHotWindowBeyondTheDeepPagingCapIsSplitAndReadCompletely(String variant) throws Exception {
        long hot = middle();
        platform(300).burst(hot, 25).burst(hot + 7, 25).capsPagingAt(30);
        Map<String, String> o = endpoint(variant, 10);
        o.put("pagination.max-records", "30");
        assertComplete(runToEnd(source(o, ExceptionPolicy.RECORD_AND_RETRY)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"page with total", "page", "offset with total", "offset", "cursor"})
    void aHotSpotBeyondTheDeepPagingCapThatNoWindowCanSplitFailsItsWindowLoudly(String variant)
            throws Exception {
        long hot = middle();
        platform(300).burst(hot, 40).capsPagingAt(30);
        Map<String, String> o = endpoint(variant, 10);
        o.put("pagination.max-records", "30");
        Outcome outcome = runUntilItFails(source(o, ExceptionPolicy.RECORD_AND_RETRY));
        assertLoud(
                outcome,
                "more than its deep-paging cap ('pagination.max-records' = 30) lets a client page through");
        assertThat(outcome.events)
                .allSatisfy(
                        e -> {
                            assertThat(e.windowStart()).isEqualTo(hot);
                            assertThat(e.windowEnd())
                                    .isEqualTo(hot + 1); // halved down to the minimum width, 1 ms
                            if (variant.endsWith("with total"))
                                assertThat(e.message()).contains("the platform reports 40 records");
                        });
    }

    // ------------------------------------------------------------------ running and judging

    /**
     * What a run emitted: records, exception events, sync positions; and how the job failed, if it
     * did.
     */
    private record Outcome(
            List<RawRecord> records,
            List<ExceptionEvent> events,
            List<Long> positions,
            Throwable failure,
            JobID job) {
        long position() {
            return positions.stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
        }

        Outcome failedWith(Throwable jobFailure) {
            return new Outcome(records, events, positions, jobFailure, job);
        }
    }

    /** The job of every case: records, events and the sync position collected in memory. */
    private static final class Job {
        final CollectingSink<RawRecord> records =
                new CollectingSink<>("records-" + UUID.randomUUID());
        final CollectingSink<ExceptionEvent> events =
                new CollectingSink<>("events-" + UUID.randomUUID());
        final CollectingSink<Long> positions =
                new CollectingSink<>("positions-" + UUID.randomUUID());
        final StreamExecutionEnvironment env;

        Job(HttpSyncSource<RawRecord> source) {
            Configuration conf = new Configuration();
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY,
                    "none"); // a failure fails the test's job, not retried
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);
            env.enableCheckpointing(100);
            DataStream<SyncElement<RawRecord>> elements =
                    env.fromSource(source, source.watermarkStrategy(), "hostile");
            SingleOutputStreamOperator<RawRecord> out =
                    HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "hostile");
            out.sinkTo(records);
            out.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS).sinkTo(events);
            HttpSyncStreams.syncPosition(elements, "hostile").sinkTo(positions).setParallelism(1);
        }

        Outcome outcome(JobID id) {
            return new Outcome(
                    records.collected(), events.collected(), positions.collected(), null, id);
        }
    }

    private static Outcome runToEnd(HttpSyncSource<RawRecord> source) throws Exception {
        Job job = new Job(source);
        return job.outcome(job.env.execute("hostile platform").getJobID());
    }

    /**
     * Runs the bounded sync until it fails: the failed window is retried, under the policy
     * record-and-retry, until failing the same way {@link SyncPlan#DEFAULT_MAX_WINDOW_FAILURES}
     * times in a row ends the job.
     */
    private static Outcome runUntilItFails(HttpSyncSource<RawRecord> source) {
        Job job = new Job(source);
        Throwable failure = catchThrowable(() -> job.env.execute("hostile platform"));
        assertThat(failure).as("the bounded sync ends in failure").isNotNull();
        return job.outcome(null).failedWith(failure);
    }

    /**
     * Complete: every order of the ground truth was emitted with its time, nothing else, and
     * nothing went wrong.
     */
    private void assertComplete(Outcome outcome) {
        assertThat(outcome.events).as("exception events").isEmpty();
        assertRecordsEqualTruth(outcome);
    }

    private void assertRecordsEqualTruth(Outcome outcome) {
        Set<String> emitted =
                outcome.records.stream()
                        .map(r -> r.id + "@" + r.updateTime)
                        .collect(Collectors.toSet());
        Set<String> truth =
                api.truth().stream()
                        .map(o -> o.id() + "@" + o.modified())
                        .collect(Collectors.toSet());
        assertThat(emitted).as("orders emitted").containsExactlyInAnyOrderElementsOf(truth);
    }

    /**
     * Loud: exception events name the cause and their windows, each failed window was retried, and
     * the sync position never passed a failed window, every order behind it having been emitted; in
     * the end the window's lasting cause failed the bounded job, naming it.
     */
    private void assertLoud(Outcome outcome, String cause) {
        assertThat(outcome.events)
                .as("exception events")
                .hasSizeGreaterThanOrEqualTo(SyncPlan.DEFAULT_MAX_WINDOW_FAILURES)
                .allSatisfy(
                        e -> {
                            assertThat(e.message()).contains(cause);
                            assertThat(e.tenantId()).isEqualTo(TENANT);
                            assertThat(e.endpoint()).isEqualTo("hostile/orders");
                            assertThat(e.position()).isNotBlank();
                        });
        WindowFailedException ended = WindowFailedException.findIn(outcome.failure);
        assertThat(ended).as("the job's failure: %s", outcome.failure).isNotNull();
        assertThat(ended.getMessage()).contains(cause);
        long firstFailed =
                outcome.events.stream().mapToLong(ExceptionEvent::windowStart).min().getAsLong();
        assertThat(outcome.positions)
                .as("sync positions")
                .allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(firstFailed));
        long position = outcome.position();
        Set<String> emitted = outcome.records.stream().map(r -> r.id).collect(Collectors.toSet());
        assertThat(
                        api.truth().stream()
                                .filter(o -> o.modified() < position)
                                .map(Order::id)
                                .toList())
                .as("orders behind the sync position")
                .allSatisfy(id -> assertThat(emitted).contains(id));
    }
}
