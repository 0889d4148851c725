package io.httpsync.jobs.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bench command on a tiny setting: it parses, runs, and prints lines a script can read. */
class BenchCommandITCase {

    /** Runs the bench command; returns its lines after checking it printed them. */
    private static List<String> run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> lines = Bench.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(lines);
        return lines;
    }

    @Test
    void benchLandingLandsEveryRecordOnEachPathAndPrintsOneBenchLine() throws Exception {
        List<String> lines = run("landing", "--shops", "1", "--orders", "300");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=landing-pg rows=300 rows_per_s=\\d+ over_jdbcsink=[0-9.]+ over_raw=[0-9.]+ .*");
    }

    @Test
    void benchOverLimitSyncsEveryRecordAndPrintsTheRealRateFractionAndRefusalShare()
            throws Exception {
        List<String> lines =
                run(
                        "e2e-overlimit",
                        "--real",
                        "10",
                        "--configured",
                        "30",
                        "--seconds",
                        "6",
                        "--warm-up-s",
                        "2");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=e2e-overlimit real_rate_fraction=[0-9.]+ refusal_share=[0-9.]+ .* missing=0");
    }

    @Test
    void benchE2eSyncsEqualToGroundTruthWithoutRefusalsAndPrintsTheJobsAndTheSerialLine()
            throws Exception {
        List<String> lines =
                run(
                        "e2e",
                        "--q",
                        "40",
                        "--latency-ms",
                        "20",
                        "--shops",
                        "2",
                        "--orders",
                        "250",
                        "--days",
                        "1");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=e2e-q40-l20 wall_over_floor=[0-9.]+ active_rate_over_q=[0-9.]+ refused=0 .*records=500 .*sink_equals_truth=true");
        assertThat(lines.get(1))
                .matches(
                        "BENCH name=e2e-serial-q40-l20 wall_over_floor=[0-9.]+ active_rate_over_q=[0-9.]+ refused=0 speedup=[0-9.]+ .*sink_equals_truth=true");
    }

    @Test
    void benchMemorySyncsEqualToGroundTruthInACappedChildJvmAndPrintsTheHeapQuarters()
            throws Exception {
        List<String> lines =
                run(
                        "memory",
                        "--records",
                        "4000",
                        "--windows",
                        "80",
                        "--shops",
                        "2",
                        "--days",
                        "1",
                        "--heap-mb",
                        "256",
                        "--sample-ms",
                        "200",
                        "--checkpoint-ms",
                        "500");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=memory heap_first_quarter_mb=([0-9.]+|n/a) heap_last_quarter_mb=([0-9.]+|n/a) .*"
                                + "windows=\\d+ records=4000 sink_equals_truth=true .*xmx_mb=256 .*");
    }

    @Test
    void benchTenantsSyncsEveryShopRecentFirstAndHistoryFirstWithoutRefusalsEqualToGroundTruth()
            throws Exception {
        List<String> lines =
                run(
                        "tenants",
                        "--shops",
                        "30",
                        "--large",
                        "2",
                        "--large-orders",
                        "300",
                        "--days",
                        "10",
                        "--platform",
                        "60",
                        "--shop-limit",
                        "5",
                        "--large-limit",
                        "20",
                        "--checkpoint-s",
                        "1",
                        "--timeout-s",
                        "60");
        assertThat(lines).hasSize(2);
        String measures =
                " shops=30 large=2 platform_per_s=60 rate_over_limit=[0-9.]+ refused=0"
                        + " recent_hour_all_in_s=[0-9.]+ recent_hour_requests=[1-9][0-9]* tokens_in_s=-?[0-9.]+ recent_hour_p50_s=[0-9.]+ recent_hour_p90_s=[0-9.]+"
                        + " all_in_s=[0-9.]+ shop_done_p10_s=[0-9.]+ shop_done_p50_s=[0-9.]+ shop_done_p90_s=[0-9.]+"
                        + " progress_at_half_p10=[0-9.]+ progress_at_half_p50=[0-9.]+ progress_at_half_p90=[0-9.]+"
                        + " jain_at_half=[0-9.]+ enum_state_max_bytes=[1-9][0-9]* enum_state_at_all_in_bytes=-?[0-9]+"
                        + " enum_state_heap_kib=[0-9]+ checkpoints=[1-9][0-9]* requests=[1-9][0-9]*"
                        + " records=[1-9][0-9]* events=0 startup_s=[0-9.]+ sink_equals_truth=true";
        assertThat(lines.get(0)).matches("BENCH name=tenants-recent-first" + measures);
        assertThat(lines.get(1)).matches("BENCH name=tenants-history-first" + measures);
    }

    @Test
    void anUnknownBenchmarkIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Bench.run(new String[] {"speed"}, System.out))
                .hasMessageContaining("one of: landing, e2e, e2e-overlimit, memory, tenants")
                .hasMessageContaining("'speed'");
    }
}
