package io.httpsync.contacts.testutil;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Many corps of one platform on one simulator (one egress IP as the platform sees it: every request
 * comes from 127.0.0.1), each with its own app, small to large; their configuration for {@link
 * ContactsSync} and the contacts job, and their tables compared with ground truth.
 */
public final class ManyCorps implements AutoCloseable {
    public final Simulator sim = new Simulator(23);
    public final ContactsPlatform platform;
    public final ContactsPlatformSim platformSim;
    public final List<String> corpIds = new ArrayList<>();

    /**
     * {@code n} corps named {@code <prefix>-00}, ...; corp {@code i}'s directory is {@code
     * spec.apply(i)}.
     */
    public ManyCorps(
            ContactsPlatform platform, String prefix, int n, IntFunction<DirectorySpec> spec) {
        this.platform = platform;
        this.platformSim =
                switch (platform) {
                    case WECOM -> sim.add(WeComSim::new);
                    case DINGTALK -> sim.add(DingTalkSim::new);
                    default -> throw new IllegalArgumentException(platform + " is not used here");
                };
        for (int i = 0; i < n; i++) {
            String id = String.format("%s-%02d", prefix, i);
            platformSim.addTenant(
                    id,
                    new ContactsPlatformSim.Credentials(
                            platform == ContactsPlatform.WECOM ? id : "key-" + id,
                            "secret-of-" + id),
                    spec.apply(i));
            corpIds.add(id);
        }
        sim.start(0);
    }

    /** Small to large: {@code 2 + i % 4} departments, {@code 4 + i / 3} users. */
    public static DirectorySpec smallToLarge(int i) {
        return DirectorySpec.of(2 + i % 4, 4 + i / 3)
                .maxDepth(2)
                .multiDepartmentShare(0.2)
                .leaderCycles(1)
                .leaderCycleLength(3)
                .seed(100 + i);
    }

    public String baseUrl() {
        return sim.baseUrl(platform.id());
    }

    public ContactsSync.Corp corp(String corpId) {
        ContactsPlatformSim.Credentials c = platformSim.credentials(corpId);
        return new ContactsSync.Corp(
                corpId,
                platform,
                baseUrl(),
                Tenant.of(corpId, Map.of("app-key", c.appKey(), "app-secret", c.appSecret())));
    }

    /**
     * The contacts configuration of {@code corpIds} of this simulation on {@code db} (more corps,
     * e.g. failing ones, may be added to it).
     */
    public Map<String, String> config(Databases.Target db, List<String> ids) {
        Map<String, String> c = new TreeMap<>();
        c.put("jdbc.url", db.jdbcUrl());
        c.put("jdbc.user", db.user());
        c.put("jdbc.password", db.password());
        for (String id : ids) {
            ContactsPlatformSim.Credentials creds = platformSim.credentials(id);
            addCorp(c, id, baseUrl(), creds.appKey(), creds.appSecret());
        }
        c.put("contacts.concurrency", "2");
        c.put("contacts.batch-size", "20");
        return c;
    }

    /** Adds a corp of this platform to a configuration, at any base URL and credentials. */
    public void addCorp(Map<String, String> c, String id, String base, String key, String secret) {
        String p = "contacts.corp." + id + ".";
        c.put(p + "platform", platform.id());
        c.put(p + "base-url", base);
        c.put(p + "app-key", key);
        c.put(p + "app-secret", secret);
        String corps = c.get("contacts.corps");
        c.put("contacts.corps", corps == null ? id : corps + "," + id);
    }

    /** The corp's tables against ground truth, read with {@code sync}'s fetcher's renderings. */
    public DirectoryComparison compareWithTruth(ContactsSync sync, String corpId) throws Exception {
        ContactsSync.Corp corp = corp(corpId);
        return DirectoryComparison.compare(
                sync.fetcher(corp)
                        .fromRenderings(
                                corpId,
                                contents(
                                        platformSim.groundTruth(
                                                corpId, ContactsPlatformSim.DEPARTMENTS)),
                                contents(
                                        platformSim.groundTruth(
                                                corpId, ContactsPlatformSim.USERS))),
                sync.stored(corpId));
    }

    private static List<JsonNode> contents(GroundTruth t) {
        return t.live().stream().map(GroundTruth.TruthRecord::content).toList();
    }

    /** Requests refused by any of the platform's limits. */
    public long refused() {
        return sim.accounting().totalRefused();
    }

    /**
     * The limit keys that refused requests, most refusals first (at most ten), so that a refusal
     * count above 0 says where to look.
     */
    public List<String> refusals() {
        return sim.accounting().limitKeys().entrySet().stream()
                .filter(e -> e.getValue().refused() > 0)
                .sorted((a, b) -> Long.compare(b.getValue().refused(), a.getValue().refused()))
                .limit(10)
                .map(e -> e.getKey() + ": " + e.getValue())
                .toList();
    }

    @Override
    public void close() {
        sim.close();
    }
}
