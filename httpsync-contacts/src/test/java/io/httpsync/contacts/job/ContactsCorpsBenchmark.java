package io.httpsync.contacts.job;

import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.fetch.CorpGate;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.contacts.testutil.ManyCorps;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sixty DingTalk corps (small to large) on one egress IP, with the simulator's limits equal to the
 * platform's (10,000 per 20 s per IP over all APIs, 40 per second per corp and API): synced with
 * the cap on corps in flight derived from the per-IP limit, against one corp at a time as the first
 * version did, in one run on one simulator and one embedded PostgreSQL (not a test: a {@code main};
 * see docs/benchmarks.md). Every 250 ms it samples the corps in flight and the requests the
 * simulator served, and writes both runs' samples as {@code contacts-corps.csv} and a plot {@code
 * contacts-corps.svg} into the output directory.
 *
 * <p>With {@code wecom} as the fourth argument, the same for WeCom, whose per-IP limits (per API)
 * are scaled down on both sides so that the hour's window binds within the run: an "hour" of 40 s
 * allowing 300 requests per API and a "minute" of 4 s allowing 60 (as on the platform, 1,200,000 an
 * hour and 40,000 a minute for a service provider's IP, the minute allows twice the hour's average
 * rate; the scaled minute is a tenth of the scaled hour rather than a sixtieth, so that it stays
 * long against the delays between a grant and its arrival); the per-corp limits are the platform's.
 * The simulator answers after 200 to 300 ms, as a far platform does, so that one corp alone is
 * bound by its round trips, not by the per-IP rate. The scaled hour allows 450 a minute, so the
 * estimate that gives the platform's 20 corps at once is 22 requests per corp per minute (1,000
 * against 20,000 a minute at full scale).
 *
 * <p>Arguments: corps, output directory, requests per corp per minute for the derived cap, platform
 * (defaults 60, docs, 1000 (DingTalk) or 22 (WeCom), dingtalk). The files are named {@code
 * contacts-corps[-wecom].csv/.svg}. Any {@code -Dcontacts.*} system property is added to both runs'
 * configuration.
 */
public final class ContactsCorpsBenchmark {
    private ContactsCorpsBenchmark() {}

    /** Corp {@code i}: 2 to 11 departments, 5 to 123 users. */
    static DirectorySpec spec(int i) {
        return DirectorySpec.of(2 + i / 6, 5 + i * 2)
                .maxDepth(3)
                .multiDepartmentShare(0.1)
                .leaderCycles(1)
                .leaderCycleLength(3)
                .seed(500 + i);
    }

    record Sample(String run, double seconds, int inFlight, double requestsPerSecond) {}

    /** WeCom's scaled per-IP limits: an "hour" of 40 s and a "minute" of 4 s, per API. */
    static final int WECOM_HOUR_PERMITS = 300;

    static final Duration WECOM_HOUR = Duration.ofSeconds(40);
    static final int WECOM_MINUTE_PERMITS = 60;
    static final Duration WECOM_MINUTE = Duration.ofSeconds(4);

    /** WeCom's answers: after 200 ms and up to 100 ms more. */
    static final long WECOM_LATENCY_MILLIS = 200;

    static final long WECOM_LATENCY_JITTER_MILLIS = 100;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path out = Path.of(args.length > 1 ? args[1] : "docs");
        ContactsPlatform platform =
                ContactsPlatform.of(args.length > 3 ? args[3] : ContactsPlatform.DINGTALK.id());
        boolean wecom = platform == ContactsPlatform.WECOM;
        String estimate = args.length > 2 ? args[2] : wecom ? "22" : "1000";
        List<Sample> samples = new ArrayList<>();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                ManyCorps corps = new ManyCorps(platform, "b", n, ContactsCorpsBenchmark::spec)) {
            if (wecom) {
                ((WeComSim) corps.platformSim)
                        .scaledIpLimits(
                                WECOM_MINUTE_PERMITS, WECOM_MINUTE, WECOM_HOUR_PERMITS, WECOM_HOUR);
                corps.platformSim.latency(WECOM_LATENCY_MILLIS, WECOM_LATENCY_JITTER_MILLIS);
            }
            Databases.Target db =
                    new Databases.Target(
                            "postgres", pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
            long capped =
                    run(
                            corps,
                            db,
                            "cap",
                            Map.of("contacts.requests-per-corp-per-minute", estimate),
                            samples);
            long serial =
                    run(
                            corps,
                            db,
                            "one-at-a-time",
                            Map.of(
                                    "contacts.corps-in-flight." + platform.id(),
                                    "1",
                                    "contacts.corp-concurrency",
                                    "1"),
                            samples);
            System.out.printf(
                    Locale.ROOT,
                    "RESULT platform=%s corps=%d capped=%.1fs one-at-a-time=%.1fs ratio=%.2f refused=%d %s%n",
                    platform.id(),
                    n,
                    capped / 1000.0,
                    serial / 1000.0,
                    (double) serial / capped,
                    corps.refused(),
                    wecom
                            ? "peakPerIpAndApiHour="
                                    + corps.platformSim.limits().peak("ip-api-hour")
                                    + "/"
                                    + WECOM_HOUR_PERMITS
                                    + " peakPerIpAndApiMinute="
                                    + corps.platformSim.limits().peak("ip-api-minute")
                                    + "/"
                                    + WECOM_MINUTE_PERMITS
                            : "peakPerIp20s="
                                    + corps.platformSim.limits().peak(DingTalkSim.IP_RULE)
                                    + " peakArrivalsPerCorpAndApiSecond="
                                    + corps.sim.accounting().limitKeys().entrySet().stream()
                                            .filter(
                                                    e ->
                                                            e.getKey()
                                                                    .startsWith(
                                                                            DingTalkSim.NAME
                                                                                    + "/"
                                                                                    + DingTalkSim
                                                                                            .CORP_API_RULE
                                                                                    + ":"))
                                            .mapToInt(e -> e.getValue().maxPerSecond())
                                            .max()
                                            .orElse(0)
                                    + "/40");
            corps.refusals().forEach(r -> System.out.println("refused by " + r));
        }
        Files.createDirectories(out);
        StringBuilder csv = new StringBuilder("run,seconds,corps_in_flight,requests_per_second\n");
        for (Sample s : samples)
            csv.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%.2f,%d,%.1f%n",
                            s.run(),
                            s.seconds(),
                            s.inFlight(),
                            s.requestsPerSecond()));
        String name = wecom ? "contacts-corps-wecom" : "contacts-corps";
        Files.writeString(out.resolve(name + ".csv"), csv, StandardCharsets.UTF_8);
        Files.writeString(out.resolve(name + ".svg"), svg(samples), StandardCharsets.UTF_8);
    }

    /** Syncs every corp once into tables of its own prefix; returns the wall time in ms. */
    private static long run(
            ManyCorps corps,
            Databases.Target db,
            String name,
            Map<String, String> extra,
            List<Sample> samples)
            throws Exception {
        Map<String, String> c = corps.config(db, corps.corpIds);
        if (corps.platform == ContactsPlatform.WECOM) {
            // the client's per-IP buckets equal to the simulator's scaled limits
            c.put("contacts.endpoint.rate-limit.bucket.ip-hour.permits", "" + WECOM_HOUR_PERMITS);
            c.put(
                    "contacts.endpoint.rate-limit.bucket.ip-hour.period",
                    WECOM_HOUR.toMillis() + " ms");
            c.put("contacts.endpoint.rate-limit.bucket.ip-hour.burst", "20");
            c.put(
                    "contacts.endpoint.rate-limit.bucket.ip-minute.permits",
                    "" + WECOM_MINUTE_PERMITS);
            c.put(
                    "contacts.endpoint.rate-limit.bucket.ip-minute.period",
                    WECOM_MINUTE.toMillis() + " ms");
            c.put("contacts.endpoint.rate-limit.bucket.ip-minute.burst", "3");
        }
        // any -Dcontacts.* system property too, e.g. a bucket's settings to try
        System.getProperties()
                .stringPropertyNames()
                .forEach(
                        k -> {
                            if (k.startsWith("contacts.")) c.put(k, System.getProperty(k));
                        });
        c.put("contacts.table-prefix", name.replace('-', '_') + "_");
        c.put("contacts.corp-concurrency", "40");
        c.put("contacts.concurrency", "2");
        c.putAll(extra);
        Properties p = new Properties();
        p.putAll(c);
        String prefix = corps.platform.id() + "/";
        try (ContactsSync sync = ContactsSync.fromProperties(p, name)) {
            sync.createTables();
            CorpGate gate = sync.gates().get(0);
            System.out.println(name + ": " + gate);
            long start = System.nanoTime();
            long[] last = {start, served(corps, prefix)};
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(
                    () -> {
                        long now = System.nanoTime();
                        long served = served(corps, prefix);
                        double rate = (served - last[1]) / ((now - last[0]) / 1e9);
                        last[0] = now;
                        last[1] = served;
                        synchronized (samples) {
                            samples.add(
                                    new Sample(name, (now - start) / 1e9, gate.inFlight(), rate));
                        }
                    },
                    250,
                    250,
                    TimeUnit.MILLISECONDS);
            List<ContactsSync.Outcome> outcomes;
            try {
                outcomes = sync.run(name, ContactsWriter.ProgressListener.NONE);
            } finally {
                sampler.shutdownNow();
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            int wrong = 0;
            for (ContactsSync.Outcome o : outcomes) {
                DirectoryComparison cmp = corps.compareWithTruth(sync, o.corp().corpId());
                if (!o.report().status().name().equals("OK") || !cmp.equal()) wrong++;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d corps in %.1f s, %d not OK or not equal to ground truth, peak in flight %d%n",
                    name,
                    outcomes.size(),
                    elapsed / 1000.0,
                    wrong,
                    gate.peakInFlight());
            if (wrong > 0) throw new IllegalStateException(name + ": " + wrong + " corps wrong");
            return elapsed;
        }
    }

    /** Requests the simulator served on every API of the platform (token requests included). */
    private static long served(ManyCorps corps, String platformPrefix) {
        return corps.sim.accounting().endpoints().entrySet().stream()
                .filter(e -> e.getKey().startsWith(platformPrefix))
                .mapToLong(e -> e.getValue().served())
                .sum();
    }

    /** Two panels over time, one line per run: corps in flight, requests per second. */
    static String svg(List<Sample> samples) throws IOException {
        int w = 760;
        int h = 200;
        double maxT = samples.stream().mapToDouble(Sample::seconds).max().orElse(1);
        int maxCorps = Math.max(1, samples.stream().mapToInt(Sample::inFlight).max().orElse(1));
        double maxRate =
                Math.max(
                        1, samples.stream().mapToDouble(Sample::requestsPerSecond).max().orElse(1));
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n",
                        w + 80,
                        2 * h + 90));
        String[] colors = {"#1f77b4", "#d62728"};
        List<String> runs = samples.stream().map(Sample::run).distinct().toList();
        for (int panel = 0; panel < 2; panel++) {
            int top = 20 + panel * (h + 40);
            double max = panel == 0 ? maxCorps : maxRate;
            s.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"60\" y=\"%d\">%s (max %.0f)</text>%n",
                            top - 5,
                            panel == 0 ? "corps in flight" : "requests per second at the simulator",
                            max));
            s.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"60\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                            top,
                            w,
                            h));
            for (int r = 0; r < runs.size(); r++) {
                StringBuilder pts = new StringBuilder();
                for (Sample x : samples) {
                    if (!x.run().equals(runs.get(r))) continue;
                    double v = panel == 0 ? x.inFlight() : x.requestsPerSecond();
                    pts.append(
                            String.format(
                                    Locale.ROOT,
                                    "%.1f,%.1f ",
                                    60 + x.seconds() / maxT * w,
                                    top + h - v / max * h));
                }
                s.append(
                        String.format(
                                Locale.ROOT,
                                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
                                colors[r % 2],
                                pts.toString().trim()));
            }
        }
        int legend = 2 * h + 75;
        for (int r = 0; r < runs.size(); r++)
            s.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
                            60 + r * 200,
                            legend,
                            colors[r % 2],
                            runs.get(r)));
        s.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds since the run's start (0 to %.0f)</text>%n",
                        w + 60,
                        legend,
                        maxT));
        s.append("</svg>\n");
        return s.toString();
    }
}
