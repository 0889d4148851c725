package io.httpsync.jobs.contacts;

import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.job.ContactsJob;
import io.httpsync.contacts.job.CorpRunOutcome;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Reorganization;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.feishu.FeishuSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code contacts-demo [--departments 12] [--users 40]}: the contacts job on embedded defaults. The
 * simulator serves one corp on each of WeCom, DingTalk and Feishu, each with department &harr; head
 * cycles and leader loops spanning departments; an embedded PostgreSQL holds the tables, foreign
 * keys enforced. Two bounded runs of the job in a local Flink, the corps in parallel: the first
 * lands the corps, then every corp is reorganized ({@link Reorganization}: moves, hires,
 * departures, a removed department, a leader loop made and one broken) and the second run follows.
 * After each run the tables are compared with the simulator's ground truth. Stateless.
 */
@Internal
public final class ContactsDemo {
    private ContactsDemo() {}

    /**
     * Runs it; true if both runs left the tables equal to ground truth with no constraint violated.
     */
    public static boolean run(String[] args, PrintStream out) throws Exception {
        Map<String, String> options = options(args);
        int departments = Integer.parseInt(options.getOrDefault("departments", "12"));
        int users = Integer.parseInt(options.getOrDefault("users", "40"));
        DirectorySpec spec =
                DirectorySpec.of(departments, users)
                        .maxDepth(3)
                        .multiDepartmentShare(0.3)
                        .multiHeadShare(0.4)
                        .maxHeadsPerDepartment(3)
                        .leaderCycles(2)
                        .leaderCycleLength(3)
                        .seed(7);
        try (Simulator sim = new Simulator(42);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            Map<ContactsPlatform, ContactsPlatformSim> platforms = new LinkedHashMap<>();
            platforms.put(ContactsPlatform.WECOM, sim.add(WeComSim::new));
            platforms.put(ContactsPlatform.DINGTALK, sim.add(DingTalkSim::new));
            platforms.put(ContactsPlatform.FEISHU, sim.add(FeishuSim::new));
            sim.start(0);
            Map<String, String> config = new HashMap<>();
            config.put("jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
            config.put("jdbc.user", "postgres");
            List<String> corpIds = new ArrayList<>();
            for (Map.Entry<ContactsPlatform, ContactsPlatformSim> e : platforms.entrySet()) {
                String corpId = "demo-" + e.getKey().id();
                String appKey =
                        e.getKey() == ContactsPlatform.WECOM
                                ? corpId
                                : "key-" + corpId; // WeCom: the corp id
                e.getValue()
                        .addTenant(
                                corpId,
                                new ContactsPlatformSim.Credentials(appKey, "demo-secret"),
                                spec);
                corpIds.add(corpId);
                config.put("contacts.corp." + corpId + ".platform", e.getKey().id());
                config.put("contacts.corp." + corpId + ".base-url", sim.baseUrl(e.getKey().id()));
                config.put("contacts.corp." + corpId + ".app-key", appKey);
                config.put("contacts.corp." + corpId + ".app-secret", "demo-secret");
            }
            config.put("contacts.corps", String.join(",", corpIds));
            config.put("contacts.corp-concurrency", String.valueOf(corpIds.size()));
            out.println(
                    "simulator: "
                            + corpIds.size()
                            + " corps (WeCom, DingTalk, Feishu), "
                            + departments
                            + " departments and "
                            + users
                            + " users each, with department <-> head cycles and leader loops; tables in an embedded PostgreSQL");
            ContactsReport report = new ContactsReport(out);
            try (ContactsSync sync = new ContactsJob(config, "contacts-demo").sync()) {
                for (int run = 1; run <= 2; run++) {
                    if (run == 2) {
                        out.println(
                                "reorganizing every corp: a department moved, a person moved, two hires (a new leader loop, "
                                        + "a new head cycle), an old loop broken, two departures, a department removed");
                        platforms.forEach(
                                (p, s) -> Reorganization.apply(s.directory("demo-" + p.id())));
                    }
                    config.put("contacts.run-prefix", "demo-run-" + run);
                    ContactsJob job = new ContactsJob(config, "contacts-demo");
                    job.createTables();
                    out.println("run " + run + ": " + job.jobName() + " in a local Flink");
                    StreamExecutionEnvironment env =
                            StreamExecutionEnvironment.createLocalEnvironment();
                    int ds = 0;
                    int es = 0;
                    int corps = 0;
                    try (CloseableIterator<CorpRunOutcome> it =
                            job.addTo(env, new ConsoleProgress())
                                    .executeAndCollect(job.jobName())) {
                        while (it.hasNext()) {
                            CorpRunOutcome o = it.next();
                            ContactsSync.Corp corp = sync.corp(o.corpId());
                            ContactsPlatformSim platform = platforms.get(corp.platform());
                            CorpDirectory truth =
                                    sync.fetcher(corp)
                                            .fromRenderings(
                                                    o.corpId(),
                                                    contents(
                                                            platform.groundTruth(
                                                                    o.corpId(),
                                                                    ContactsPlatformSim
                                                                            .DEPARTMENTS)),
                                                    contents(
                                                            platform.groundTruth(
                                                                    o.corpId(),
                                                                    ContactsPlatformSim.USERS)));
                            ds += truth.departments().size();
                            es += truth.employees().size();
                            corps++;
                            report.add(
                                    o, DirectoryComparison.compare(truth, sync.stored(o.corpId())));
                        }
                    }
                    report.totals(corps, ds, es);
                }
            }
            return report.finish();
        }
    }

    private static List<JsonNode> contents(GroundTruth t) {
        return t.live().stream().map(GroundTruth.TruthRecord::content).toList();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "contacts-demo takes --departments N and --users N, not '" + args[i] + "'");
            }
            String key = args[i].substring(2);
            if (!key.equals("departments") && !key.equals("users")) {
                throw new IllegalArgumentException(
                        "contacts-demo takes --departments N and --users N, not --" + key);
            }
            out.put(key, args[++i]);
        }
        return out;
    }
}
