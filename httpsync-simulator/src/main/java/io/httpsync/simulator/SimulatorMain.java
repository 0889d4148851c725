package io.httpsync.simulator;

import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.PlatformSim;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.ekuaibao.EkuaibaoSim;
import io.httpsync.simulator.platform.feishu.FeishuSim;
import io.httpsync.simulator.platform.jdunion.JdUnionSim;
import io.httpsync.simulator.platform.jushuitan.JushuitanSim;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;
import io.httpsync.simulator.platform.taobao.TaobaoSim;
import io.httpsync.simulator.platform.wecom.WeComSim;
import io.httpsync.simulator.platform.youzan.YouzanSim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Starts the simulator from the command line, so a sync job can be developed without real
 * credentials:
 *
 * <pre>
 * mvn -pl httpsync-jobs -am test-compile -Dmaven.test.skip=true exec:exec -Dhttpsync.args="simulator --port 8080 --platforms kuaishou --tenants 2"
 * </pre>
 *
 * Options: {@code --host} (default 127.0.0.1), {@code --port} (8080; 0 = any free port), {@code
 * --platforms} (comma separated, default all), {@code --tenants} (per platform, 2), {@code
 * --records} (per tenant, 2000; on the contacts platforms WeCom, DingTalk and Feishu the users per
 * corp, in a department per 50 users), {@code --days} (the span the records' times cover, 7),
 * {@code --latency-ms} (0), {@code --mutations-per-second} (updates per second and tenant; inserts
 * and deletes at a tenth of it, 0), {@code --clock-offset-seconds} (how far the platforms' clock
 * runs ahead of the machine's, negative: behind, 0), {@code --seed} (42).
 */
public final class SimulatorMain {
    /** Demo credentials; the same for every order platform and tenant, printed at start. */
    public static final String DEMO_APP_KEY = "demo-app-key";

    public static final String DEMO_APP_SECRET = "demo-app-secret";
    public static final String DEMO_SIGN_SECRET = "demo-sign-secret";

    static final Map<String, Function<PlatformContext, ? extends PlatformSim>> PLATFORMS =
            new LinkedHashMap<>();

    static {
        PLATFORMS.put(KuaishouSim.NAME, KuaishouSim::new);
        PLATFORMS.put(TaobaoSim.NAME, TaobaoSim::new);
        PLATFORMS.put(JushuitanSim.NAME, JushuitanSim::new);
        PLATFORMS.put(YouzanSim.NAME, YouzanSim::new);
        PLATFORMS.put(EkuaibaoSim.NAME, EkuaibaoSim::new);
        PLATFORMS.put(WeComSim.NAME, WeComSim::new);
        PLATFORMS.put(DingTalkSim.NAME, DingTalkSim::new);
        PLATFORMS.put(FeishuSim.NAME, FeishuSim::new);
        PLATFORMS.put(JdUnionSim.NAME, JdUnionSim::new);
    }

    private SimulatorMain() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> opts = parse(args);
        Simulator sim = fromOptions(opts);
        sim.start(
                opts.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(opts.getOrDefault("port", "8080")));
        System.out.println("httpsync simulator on port " + sim.port());
        for (String name : platformNames(opts)) {
            PlatformSim p = sim.platform(name);
            System.out.println(
                    "  "
                            + name
                            + ": "
                            + sim.baseUrl(name)
                            + "  tenants "
                            + p.tenantIds()
                            + (p instanceof ContactsPlatformSim
                                    ? "  per-corp app key (WeCom corpid, DingTalk appkey, Feishu app_id) '"
                                            + DEMO_APP_KEY
                                            + "-<n>' for corp-<n>, app secret '"
                                            + DEMO_APP_SECRET
                                            + "'"
                                    : "  app key '"
                                            + DEMO_APP_KEY
                                            + (p instanceof JdUnionSim ? "-<n>' for shop-<n>" : "'")
                                            + ", app secret '"
                                            + DEMO_APP_SECRET
                                            + "', sign secret '"
                                            + DEMO_SIGN_SECRET
                                            + "', per-shop session/access token 'token-<shop>'"));
        }
        System.out.println(
                "  admin: http://127.0.0.1:"
                        + sim.port()
                        + "/admin/accounting, /admin/<platform>/truth?tenant=<id>");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    sim.close();
                                    stop.countDown();
                                }));
        stop.await();
    }

    /** Builds (does not start) a simulator as the command line describes it. */
    public static Simulator fromOptions(Map<String, String> opts) {
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        int tenants = positive(opts, "tenants", 2);
        int records = positive(opts, "records", 2000);
        long span = TimeUnit.DAYS.toMillis(positive(opts, "days", 7));
        long latency = Long.parseLong(opts.getOrDefault("latency-ms", "0"));
        double mutations = Double.parseDouble(opts.getOrDefault("mutations-per-second", "0"));
        Simulator sim = new Simulator(seed);
        // before any data exists: the records' times and every Date header follow the platforms'
        // clock
        sim.clock()
                .advance(
                        TimeUnit.SECONDS.toMillis(
                                Long.parseLong(opts.getOrDefault("clock-offset-seconds", "0"))));
        for (String name : platformNames(opts)) {
            PlatformSim p = sim.add(PLATFORMS.get(name));
            p.latency(latency, latency / 5);
            if (p instanceof OrderPlatformSim orders) {
                for (int i = 1; i <= tenants; i++) {
                    String tenant = "shop-" + i;
                    // one demo app per platform; Taobao's session and Jushuitan's access token are
                    // per shop
                    // a JD Union promoter is known by its own app key: one app per tenant there
                    orders.addTenant(
                            tenant,
                            new OrderPlatformSim.Credentials(
                                    orders instanceof JdUnionSim
                                            ? DEMO_APP_KEY + "-" + i
                                            : DEMO_APP_KEY,
                                    DEMO_APP_SECRET,
                                    DEMO_SIGN_SECRET,
                                    "token-" + tenant),
                            DataSpec.of(records, span).seed(seed + i).timeResolutionMillis(1000));
                    if (mutations > 0)
                        orders.mutateContinuously(
                                tenant,
                                new MutationRates(mutations, mutations / 10, mutations / 10));
                }
            } else if (p instanceof ContactsPlatformSim contacts) {
                for (int i = 1; i <= tenants; i++) {
                    // each corp has its own app; --records is the number of users, one department
                    // per 50 of them
                    contacts.addTenant(
                            "corp-" + i,
                            new ContactsPlatformSim.Credentials(
                                    DEMO_APP_KEY + "-" + i, DEMO_APP_SECRET),
                            DirectorySpec.of(Math.max(2, records / 50), records)
                                    .leaderCycles(records >= 3 ? 1 : 0)
                                    .seed(seed + i));
                }
            }
        }
        return sim;
    }

    private static List<String> platformNames(Map<String, String> opts) {
        String given = opts.get("platforms");
        List<String> names =
                given == null
                        ? new ArrayList<>(PLATFORMS.keySet())
                        : Arrays.asList(given.split(","));
        for (String n : names) {
            if (!PLATFORMS.containsKey(n))
                throw new IllegalArgumentException(
                        "--platforms: unknown platform '" + n + "'; known: " + PLATFORMS.keySet());
        }
        return names;
    }

    private static int positive(Map<String, String> opts, String key, int dflt) {
        int v = Integer.parseInt(opts.getOrDefault(key, Integer.toString(dflt)));
        if (v <= 0) throw new IllegalArgumentException("--" + key + " must be > 0, was " + v);
        return v;
    }

    /** Parses {@code --option value} pairs; used by every httpsync command line. */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "expected '--option value' pairs, got '" + args[i] + "'");
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
