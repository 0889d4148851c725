package io.httpsync.contacts.testutil;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.fetch.DirectoryFetcher;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.contacts.Reorganization;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.feishu.FeishuSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated contacts platform with one corp, for tests: ground truth as a directory, the corp's
 * cycles counted on the simulator's own (platform-neutral) directory, and the changes a directory
 * goes through between two runs.
 */
public final class ContactsSimulation implements AutoCloseable {
    public final Simulator sim = new Simulator(11);
    public final ContactsPlatform platform;
    public final ContactsPlatformSim platformSim;
    public final String corpId;

    public ContactsSimulation(ContactsPlatform platform, String corpId, DirectorySpec spec) {
        this.platform = platform;
        this.corpId = corpId;
        this.platformSim =
                switch (platform) {
                    case WECOM -> sim.add(WeComSim::new);
                    case DINGTALK -> sim.add(DingTalkSim::new);
                    case FEISHU -> sim.add(FeishuSim::new);
                };
        // WeCom's app key is the corp id
        platformSim.addTenant(
                corpId,
                new ContactsPlatformSim.Credentials(
                        platform == ContactsPlatform.WECOM ? corpId : "key-" + corpId,
                        "secret-of-" + corpId),
                spec);
        sim.start(0);
    }

    public String baseUrl() {
        return sim.baseUrl(platform.id());
    }

    public ContactsSync.Corp corp() {
        ContactsPlatformSim.Credentials c = platformSim.credentials(corpId);
        return new ContactsSync.Corp(
                corpId,
                platform,
                baseUrl(),
                Tenant.of(corpId, Map.of("app-key", c.appKey(), "app-secret", c.appSecret())));
    }

    public Directory directory() {
        return platformSim.directory(corpId);
    }

    /** Ground truth as a directory, read with the fetcher's renderings. */
    public CorpDirectory truth(DirectoryFetcher fetcher) {
        return fetcher.fromRenderings(
                corpId,
                contents(platformSim.groundTruth(corpId, ContactsPlatformSim.DEPARTMENTS)),
                contents(platformSim.groundTruth(corpId, ContactsPlatformSim.USERS)));
    }

    private static List<JsonNode> contents(GroundTruth t) {
        return t.live().stream().map(GroundTruth.TruthRecord::content).toList();
    }

    /** Departments headed by one of their own members, in the simulator's own directory. */
    public int departmentsHeadedByMember() {
        Directory.Snapshot s = directory().snapshot();
        int n = 0;
        for (Department d : s.departments()) {
            if (d.headIds().stream().anyMatch(h -> s.user(h).departmentIds().contains(d.id()))) n++;
        }
        return n;
    }

    /** The leader loops, each as its users, in the simulator's own directory. */
    public List<Set<Long>> leaderLoops() {
        return Reorganization.leaderLoops(directory().snapshot());
    }

    /** Main departments of a loop's users: more than one means the loop spans departments. */
    public Set<Long> mainDepartments(Set<Long> users) {
        Directory.Snapshot s = directory().snapshot();
        Set<Long> out = new HashSet<>();
        users.forEach(u -> out.add(s.user(u).mainDepartmentId()));
        return out;
    }

    /** Relation counts of the simulator's own directory: heads, leaders, memberships. */
    public Map<String, Integer> relationCounts() {
        Directory.Snapshot s = directory().snapshot();
        Map<String, Integer> out = new HashMap<>();
        out.put("heads", s.departments().stream().mapToInt(d -> d.headIds().size()).sum());
        out.put("leaders", (int) s.users().stream().filter(Employee::hasLeader).count());
        out.put("memberships", s.users().stream().mapToInt(u -> u.departmentIds().size()).sum());
        return out;
    }

    public static Map<String, Integer> relationCounts(CorpDirectory d) {
        Map<String, Integer> out = new HashMap<>();
        out.put("heads", d.departments().values().stream().mapToInt(x -> x.headIds().size()).sum());
        out.put(
                "leaders",
                (int) d.employees().values().stream().filter(e -> e.leaderId() != null).count());
        out.put(
                "memberships",
                d.employees().values().stream().mapToInt(e -> e.departmentIds().size()).sum());
        return out;
    }

    /** What happens to the directory between two runs: see {@link Reorganization}. */
    public Reorganization.Summary change() {
        return Reorganization.apply(directory());
    }

    @Override
    public void close() {
        sim.close();
    }
}
