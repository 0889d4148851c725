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

    @Test
    void benchLandingLandsEveryRecordOnEachPathAndPrintsOneBenchLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> lines =
                Bench.run(
                        new String[] {"landing", "--shops", "1", "--orders", "300"},
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=landing-pg rows=300 rows_per_s=\\d+ over_jdbcsink=[0-9.]+ over_raw=[0-9.]+ .*");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(lines.get(0));
    }

    @Test
    void benchOverLimitSyncsEveryRecordAndPrintsTheRealRateFractionAndRefusalShare()
            throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> lines =
                Bench.run(
                        new String[] {
                            "e2e-overlimit",
                            "--real",
                            "10",
                            "--configured",
                            "30",
                            "--seconds",
                            "6",
                            "--warm-up-s",
                            "2"
                        },
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=e2e-overlimit real_rate_fraction=[0-9.]+ refusal_share=[0-9.]+ .* missing=0");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(lines.get(0));
    }

    @Test
    void benchE2eSyncsEqualToGroundTruthWithoutRefusalsAndPrintsTheJobsAndTheSerialLine()
            throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> lines =
                Bench.run(
                        new String[] {
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
                            "1"
                        },
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .matches(
                        "BENCH name=e2e-q40-l20 wall_over_floor=[0-9.]+ active_rate_over_q=[0-9.]+ refused=0 .*records=500 .*sink_equals_truth=true");
        assertThat(lines.get(1))
                .matches(
                        "BENCH name=e2e-serial-q40-l20 wall_over_floor=[0-9.]+ active_rate_over_q=[0-9.]+ refused=0 speedup=[0-9.]+ .*sink_equals_truth=true");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(lines);
    }

    @Test
    void anUnknownBenchmarkIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Bench.run(new String[] {"speed"}, System.out))
                .hasMessageContaining("one of: landing, e2e, e2e-overlimit")
                .hasMessageContaining("'speed'");
    }
}
