package io.httpsync.contacts;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.ratelimit.RateLimitSpec;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.fetch.CorpGate;
import io.httpsync.contacts.fetch.DirectoryFetcher;
import io.httpsync.contacts.fetch.SharedBudgets;
import io.httpsync.contacts.jdbc.ContactsSchema;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.StoredState;
import io.httpsync.contacts.jdbc.SyncReport;
import io.httpsync.contacts.model.CorpDirectory;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.TimeUtils;

import javax.annotation.Nullable;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A contacts sync run: for each configured corp, fetch its whole directory ({@link
 * DirectoryFetcher}); a corp whose listings all completed is landed ({@link ContactsWriter}), one
 * whose listing failed writes nothing and is recorded as incomplete. Corps run {@code
 * corpConcurrency} at a time; of those, at most a cap per platform and egress IP fetch at once
 * ({@link CorpGate}: set, or derived from the platform's per-IP limits; with the redis backend,
 * shared in Redis by every process and job using it), the others waiting their turn in order; all
 * corps and APIs of a platform draw from its per-IP buckets together ({@link SharedBudgets}).
 *
 * <p>Configuration (a properties file, see {@link #fromProperties}):
 *
 * <pre>
 * jdbc.url = jdbc:postgresql://db/contacts        (or jdbc:mysql:/jdbc:mariadb:)
 * jdbc.user / jdbc.password
 * contacts.corps = corp-a, corp-b
 * contacts.corp.&lt;id&gt;.platform = wecom | dingtalk | feishu
 * contacts.corp.&lt;id&gt;.base-url = (default: the platform's gateway)
 * contacts.corp.&lt;id&gt;.app-key / contacts.corp.&lt;id&gt;.app-secret
 * contacts.table-prefix = contacts_   contacts.concurrency = 4   contacts.batch-size = 200
 * contacts.soft-delete = false        contacts.max-delete-ratio = 0.5   contacts.corp-concurrency = 2
 * contacts.endpoint.&lt;connector endpoint option&gt; = (set on every platform API, e.g. retry.max-attempts)
 * contacts.corps-in-flight.&lt;platform&gt; = (the cap per egress IP; derived by default, 0 = none)
 * contacts.requests-per-corp-per-minute = 1000   (the estimate derived caps divide the per-IP limits by)
 * contacts.corps-in-flight-lease = 30 s   (redis backend: a place not renewed for this long is free)
 * </pre>
 *
 * <p>Thread contract: {@link #run} is called from one thread at a time; it syncs corps on a pool of
 * its own and calls the progress listener from those threads (each corp's calls from one thread).
 */
@PublicEvolving
public final class ContactsSync implements AutoCloseable {
    /**
     * One corp to sync: its platform, where the platform is, and its app credentials (tenant
     * properties).
     */
    public record Corp(String corpId, ContactsPlatform platform, String baseUrl, Tenant tenant) {}

    /**
     * What a run did for one corp: the directory fetched (null if a listing failed), the writer's
     * report, the listing's failure as an exception event (null unless a listing failed), and the
     * requests the fetch sent to the platform (each page and each retry, tokens not counted).
     */
    public record Outcome(
            Corp corp,
            @Nullable CorpDirectory fetched,
            SyncReport report,
            @Nullable ExceptionEvent listingFailure,
            long requests) {
        public Outcome(Corp corp, @Nullable CorpDirectory fetched, SyncReport report) {
            this(corp, fetched, report, null, 0);
        }
    }

    /**
     * Keys under it are connector endpoint options set on every platform API, e.g. {@code
     * contacts.endpoint.retry.max-attempts}.
     */
    public static final String ENDPOINT_PREFIX = "contacts.endpoint.";

    private final List<Corp> corps;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final ContactsSchema schema;
    private final ContactsWriter writer;
    private final int corpConcurrency;
    private final Map<String, DirectoryFetcher> fetchers = new LinkedHashMap<>();

    /** One per platform and rate-limit namespace (egress IP), by {@link #gateKey}. */
    private final Map<String, CorpGate> gates = new LinkedHashMap<>();

    /** Requests sent per corp (tenant id) since this sync was made; counted by fetch threads. */
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

    public ContactsSync(
            List<Corp> corps,
            String jdbcUrl,
            String user,
            String password,
            String tablePrefix,
            ContactsWriter.Options options,
            int corpConcurrency) {
        this(corps, jdbcUrl, user, password, tablePrefix, options, corpConcurrency, Map.of());
    }

    /**
     * @param endpointOverrides connector endpoint options set on every platform API (retries,
     *     timeouts, ...)
     */
    public ContactsSync(
            List<Corp> corps,
            String jdbcUrl,
            String user,
            String password,
            String tablePrefix,
            ContactsWriter.Options options,
            int corpConcurrency,
            Map<String, String> endpointOverrides) {
        this(
                corps,
                jdbcUrl,
                user,
                password,
                tablePrefix,
                options,
                corpConcurrency,
                endpointOverrides,
                CorpCaps.DERIVED,
                new SharedBudgets(1));
    }

    /**
     * The caps on corps in flight per platform and egress IP: explicit ones by platform, the others
     * derived from the platform's shared buckets and an estimate of a corp's requests per minute
     * ({@link CorpGate#derivedCap}).
     *
     * @param explicit the cap of a platform ({@code contacts.corps-in-flight.<platform>}), 0 for
     *     none
     * @param requestsPerCorpPerMinute the estimate the derived caps divide by
     * @param lease with the redis backend, how long a corp's place stays taken unless renewed
     *     ({@code contacts.corps-in-flight-lease}): how soon the places of a job that died are free
     */
    public record CorpCaps(
            Map<ContactsPlatform, Integer> explicit, int requestsPerCorpPerMinute, Duration lease) {
        public static final CorpCaps DERIVED =
                new CorpCaps(Map.of(), CorpGate.DEFAULT_REQUESTS_PER_CORP_PER_MINUTE);

        public CorpCaps {
            explicit = Map.copyOf(explicit);
        }

        /** Caps whose places in Redis (redis backend) have the default lease. */
        public CorpCaps(Map<ContactsPlatform, Integer> explicit, int requestsPerCorpPerMinute) {
            this(explicit, requestsPerCorpPerMinute, CorpGate.DEFAULT_LEASE);
        }
    }

    /**
     * @param endpointOverrides connector endpoint options set on every platform API (retries,
     *     timeouts, ...)
     * @param caps the caps on corps in flight per platform and egress IP
     * @param budgets what this sync's corps share with each other (and, split, with the other
     *     instances of a job): the per-IP buckets
     */
    public ContactsSync(
            List<Corp> corps,
            String jdbcUrl,
            String user,
            String password,
            String tablePrefix,
            ContactsWriter.Options options,
            int corpConcurrency,
            Map<String, String> endpointOverrides,
            CorpCaps caps,
            SharedBudgets budgets) {
        if (corps.isEmpty())
            throw new IllegalArgumentException("no corp to sync: set contacts.corps");
        if (corpConcurrency < 1)
            throw new IllegalArgumentException(
                    "contacts.corp-concurrency must be at least 1, was " + corpConcurrency);
        this.corps = List.copyOf(corps);
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.schema = new ContactsSchema(ContactsSchema.dialectOf(jdbcUrl), tablePrefix);
        this.writer = new ContactsWriter(this::connect, schema, options);
        this.corpConcurrency = corpConcurrency;
        for (Corp c : corps) {
            DirectoryFetcher f =
                    fetchers.computeIfAbsent(
                            c.platform().id() + " " + c.baseUrl(),
                            k ->
                                    DirectoryFetcher.of(
                                            c.platform(),
                                            c.baseUrl(),
                                            new FetchListener() {
                                                @Override
                                                public void onRequest(String tenantId) {
                                                    requests.computeIfAbsent(
                                                                    tenantId, t -> new LongAdder())
                                                            .increment();
                                                }
                                            },
                                            endpointOverrides,
                                            budgets));
            gates.computeIfAbsent(gateKey(f), k -> gate(c.platform(), f, caps, budgets));
        }
    }

    private static String gateKey(DirectoryFetcher f) {
        return f.platform() + " in namespace " + f.namespace();
    }

    /**
     * The gate of a platform and egress IP. With the redis backend ({@code
     * contacts.endpoint.rate-limit.backend = redis}) its places are in Redis, whole, shared by
     * every instance and job using that Redis for the platform and namespace. Otherwise its cap is
     * for the whole job: each of the job's instances takes an even part of it (at least 1), and the
     * gates of instances and jobs do not talk to each other.
     */
    private static CorpGate gate(
            ContactsPlatform platform, DirectoryFetcher f, CorpCaps caps, SharedBudgets budgets) {
        Integer explicit = caps.explicit().get(platform);
        int cap =
                explicit != null
                        ? explicit
                        : CorpGate.derivedCap(f.sharedBuckets(), caps.requestsPerCorpPerMinute());
        RateLimitSpec limits = f.rateLimits();
        if (limits.backend() == RateLimitSpec.Backend.REDIS)
            return CorpGate.shared(
                    gateKey(f),
                    cap,
                    limits.redisUri(),
                    f.platform() + ":" + f.namespace(),
                    caps.lease());
        if (cap > 0) cap = Math.max(1, cap / budgets.instances());
        return new CorpGate(gateKey(f), cap);
    }

    /** Reads the configuration file; see the class comment for its keys. */
    public static ContactsSync fromFile(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return fromProperties(p, file.toString());
    }

    /** The sync a configuration describes; {@code source} names it in error messages. */
    public static ContactsSync fromProperties(Properties p, String source) {
        return fromProperties(p, source, 1);
    }

    /**
     * The sync a configuration describes, as one of {@code instances} that split the shared budgets
     * and caps (the contacts job's subtasks); {@code source} names it in error messages.
     */
    public static ContactsSync fromProperties(Properties p, String source, int instances) {
        List<Corp> corps = new ArrayList<>();
        for (String id : p.getProperty("contacts.corps", "").split(",")) {
            String corpId = id.trim();
            if (corpId.isEmpty()) continue;
            String prefix = "contacts.corp." + corpId + ".";
            ContactsPlatform platform =
                    ContactsPlatform.of(required(p, prefix + "platform", source));
            String base = p.getProperty(prefix + "base-url", platform.gateway()).trim();
            Tenant tenant =
                    Tenant.of(
                            corpId,
                            Map.of(
                                    "app-key",
                                    required(p, prefix + "app-key", source),
                                    "app-secret",
                                    required(p, prefix + "app-secret", source)));
            corps.add(new Corp(corpId, platform, base, tenant));
        }
        ContactsWriter.Options options =
                new ContactsWriter.Options(
                        Integer.parseInt(p.getProperty("contacts.concurrency", "4").trim()),
                        Integer.parseInt(p.getProperty("contacts.batch-size", "200").trim()),
                        Boolean.parseBoolean(p.getProperty("contacts.soft-delete", "false").trim()),
                        Double.parseDouble(
                                p.getProperty("contacts.max-delete-ratio", "0.5").trim()));
        Map<String, String> overrides = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(ENDPOINT_PREFIX))
                overrides.put(key.substring(ENDPOINT_PREFIX.length()), p.getProperty(key).trim());
        }
        Map<ContactsPlatform, Integer> caps = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.startsWith(CAP_PREFIX)) continue;
            ContactsPlatform platform = ContactsPlatform.of(key.substring(CAP_PREFIX.length()));
            caps.put(platform, number(p, key, source, 0));
        }
        return new ContactsSync(
                corps,
                required(p, "jdbc.url", source),
                p.getProperty("jdbc.user", ""),
                p.getProperty("jdbc.password", ""),
                p.getProperty("contacts.table-prefix", "contacts_").trim(),
                options,
                Integer.parseInt(p.getProperty("contacts.corp-concurrency", "2").trim()),
                overrides,
                new CorpCaps(
                        caps,
                        p.containsKey(REQUESTS_PER_CORP)
                                ? number(p, REQUESTS_PER_CORP, source, 1)
                                : CorpGate.DEFAULT_REQUESTS_PER_CORP_PER_MINUTE,
                        p.containsKey(LEASE) ? lease(p, source) : CorpGate.DEFAULT_LEASE),
                new SharedBudgets(instances));
    }

    /**
     * Keys under it cap the corps in flight of a platform per egress IP, e.g. {@code
     * contacts.corps-in-flight.dingtalk = 30}; 0: no cap.
     */
    public static final String CAP_PREFIX = "contacts.corps-in-flight.";

    /** The estimate of a corp's requests per minute that derived caps divide the budgets by. */
    public static final String REQUESTS_PER_CORP = "contacts.requests-per-corp-per-minute";

    /**
     * With the redis backend, how long a corp's place under the cap stays taken unless renewed: how
     * soon a job that died frees its places (renewed every third of it while the corp fetches).
     */
    public static final String LEASE = "contacts.corps-in-flight-lease";

    private static Duration lease(Properties p, String source) {
        String v = p.getProperty(LEASE).trim();
        Duration d;
        try {
            d = TimeUtils.parseDuration(v);
        } catch (IllegalArgumentException e) {
            d = Duration.ZERO;
        }
        if (d.toMillis() >= 300) return d;
        throw new IllegalArgumentException(
                source
                        + ": '"
                        + LEASE
                        + "' is a duration of at least 300 ms (e.g. 30 s), not '"
                        + v
                        + "'");
    }

    private static int number(Properties p, String key, String source, int min) {
        String v = p.getProperty(key).trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= min) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                source
                        + ": '"
                        + key
                        + "' is a whole number of at least "
                        + min
                        + ", not '"
                        + v
                        + "'");
    }

    private static String required(Properties p, String key, String source) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank())
            throw new IllegalArgumentException(source + ": '" + key + "' is required");
        return v.trim();
    }

    public List<Corp> corps() {
        return corps;
    }

    public ContactsSchema schema() {
        return schema;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** Creates the tables that do not exist yet. */
    public void createTables() throws SQLException {
        writer.createTables();
    }

    /** Syncs every corp once under {@code runId}; returns the outcomes in the configured order. */
    public List<Outcome> run(String runId, ContactsWriter.ProgressListener progress)
            throws Exception {
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        corpConcurrency,
                        r -> {
                            Thread t = new Thread(r, "contacts-corp");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Corp c : corps) futures.add(pool.submit(() -> syncCorp(runId, c, progress)));
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Syncs one configured corp under {@code runId}: the unit of work of a run, and of the Flink
     * job's operator. May be called from several threads at once for different corps; throws only
     * if the database could not be used (a failed write is in the report).
     */
    public Outcome syncCorp(String runId, Corp corp, ContactsWriter.ProgressListener progress)
            throws SQLException {
        LongAdder sent = requests.computeIfAbsent(corp.tenant().id(), k -> new LongAdder());
        long before = sent.sum(); // a corp's runs never overlap (the job keys them by corp)
        DirectoryFetcher.Result fetched = fetchInTurn(corp);
        long fetchRequests = sent.sum() - before;
        if (!fetched.complete()) {
            return new Outcome(
                    corp,
                    null,
                    writer.recordIncomplete(
                            runId, corp.platform().id(), corp.corpId(), fetched.failure()),
                    fetched.failureEvent(),
                    fetchRequests);
        }
        return new Outcome(
                corp,
                fetched.directory(),
                writer.sync(runId, corp.platform().id(), fetched.directory(), progress),
                null,
                fetchRequests);
    }

    /**
     * Fetches a corp's directory once it has a place under its platform's cap, giving the place
     * back however the fetch ends.
     */
    private DirectoryFetcher.Result fetchInTurn(Corp corp) {
        CorpGate gate = gate(corp);
        CorpGate.Place place;
        try {
            place = gate.enter();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DirectoryFetcher.Result(
                    corp.corpId(),
                    null,
                    corp.corpId() + ": stopped while waiting for its turn (" + gate + ")");
        } catch (CorpGate.UnavailableException e) {
            // Redis is down: like a listing that failed, the corp writes nothing this run
            return new DirectoryFetcher.Result(
                    corp.corpId(), null, corp.corpId() + ": " + e.getMessage());
        }
        try (place) {
            return fetcher(corp).fetch(corp.tenant());
        }
    }

    /** The configured corp {@code corpId}. */
    public Corp corp(String corpId) {
        for (Corp c : corps) {
            if (c.corpId().equals(corpId)) return c;
        }
        throw new IllegalArgumentException(
                "no corp '" + corpId + "' is configured (contacts.corps)");
    }

    /** What the tables hold for a corp now. */
    public CorpDirectory stored(String corpId) throws SQLException {
        try (Connection c = connect()) {
            return StoredState.load(c, schema, corpId).live();
        }
    }

    /**
     * The gate that bounds how many corps of {@code corp}'s platform and egress IP are in flight.
     */
    public CorpGate gate(Corp corp) {
        return gates.get(gateKey(fetcher(corp)));
    }

    /**
     * Every gate: one per platform and rate-limit namespace (egress IP) of the configured corps.
     */
    public List<CorpGate> gates() {
        return List.copyOf(gates.values());
    }

    /** The fetcher of a corp's platform, e.g. to read renderings as a directory. */
    public DirectoryFetcher fetcher(Corp corp) {
        return fetchers.get(corp.platform().id() + " " + corp.baseUrl());
    }

    @Override
    public void close() throws IOException {
        for (CorpGate g : gates.values()) g.close();
        for (DirectoryFetcher f : fetchers.values()) f.close();
    }
}
