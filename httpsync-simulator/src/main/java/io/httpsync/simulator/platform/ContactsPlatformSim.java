package io.httpsync.simulator.platform;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitDecision;
import io.httpsync.simulator.limit.LimitRule;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A contacts platform (WeCom, DingTalk, Feishu): per tenant (one corp, with its own app
 * credentials) a {@link Directory}, which each platform renders in its own shape and ids. Holds the
 * tenants, checks credentials and tokens, and builds ground truth for the entities {@value
 * #DEPARTMENTS} and {@value #USERS}: every record as the platform's documented rendering shows it,
 * with update time 0 (none of these list APIs has one).
 */
public abstract class ContactsPlatformSim extends PlatformSim {
    public static final String DEPARTMENTS = "departments";
    public static final String USERS = "users";

    /**
     * One corp's app credentials: WeCom corpid/corpsecret, DingTalk appkey/appsecret, Feishu
     * app_id/app_secret. The secret never appears in {@link #toString()}.
     */
    public record Credentials(String appKey, String appSecret) {
        public Credentials {
            if (appKey == null || appKey.isBlank() || appSecret == null || appSecret.isBlank()) {
                throw new IllegalArgumentException("app key and app secret must not be blank");
            }
        }

        @Override
        public String toString() {
            return "Credentials[appKey=" + appKey + ", appSecret=***]";
        }
    }

    /** What a token presented with a request is. */
    protected enum TokenState {
        MISSING,
        UNKNOWN,
        EXPIRED,
        VALID
    }

    private final Map<String, Directory> directories = new LinkedHashMap<>();
    private final Map<String, Credentials> credentials = new LinkedHashMap<>();

    protected ContactsPlatformSim(String name, PlatformContext ctx, List<LimitRule> defaultLimits) {
        super(name, ctx, defaultLimits);
    }

    /** Adds a corp with a directory generated from {@code spec}. */
    public Directory addTenant(String corpId, Credentials creds, DirectorySpec spec) {
        return addTenant(corpId, creds, Directory.generate(corpId, spec, clock));
    }

    /** Adds a corp with the given directory. Each corp has its own app: app keys must differ. */
    public synchronized Directory addTenant(String corpId, Credentials creds, Directory directory) {
        if (directories.containsKey(corpId))
            throw new IllegalArgumentException(name + ": tenant '" + corpId + "' exists already");
        if (tenantByAppKey(creds.appKey()) != null)
            throw new IllegalArgumentException(
                    name + ": app key '" + creds.appKey() + "' is in use");
        directories.put(corpId, directory);
        credentials.put(corpId, creds);
        return directory;
    }

    public synchronized Directory directory(String corpId) {
        Directory d = directories.get(corpId);
        if (d == null) throw new IllegalArgumentException(name + ": no tenant '" + corpId + "'");
        return d;
    }

    public synchronized Credentials credentials(String corpId) {
        directory(corpId);
        return credentials.get(corpId);
    }

    @Override
    public synchronized List<String> tenantIds() {
        return new ArrayList<>(directories.keySet());
    }

    @Override
    public List<String> entities() {
        return List.of(DEPARTMENTS, USERS);
    }

    /** The corp whose app this key is, or null. */
    protected synchronized String tenantByAppKey(String appKey) {
        for (Map.Entry<String, Credentials> e : credentials.entrySet()) {
            if (e.getValue().appKey().equals(appKey)) return e.getKey();
        }
        return null;
    }

    /** The corp whose app key and secret these are, or null if either is wrong. */
    protected String authenticateApp(String appKey, String appSecret) {
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        if (tenant == null || appSecret == null) return null;
        return Crypto.same(credentials(tenant).appSecret(), appSecret) ? tenant : null;
    }

    private TokenState tokenState(String value) {
        if (value == null || value.isEmpty()) return TokenState.MISSING;
        Tokens.Token t = tokens.find(value);
        if (t == null) return TokenState.UNKNOWN;
        return clock.now() < t.expiresAt() ? TokenState.VALID : TokenState.EXPIRED;
    }

    /**
     * Runs a data request that carries {@code token} through the {@link #gateway}, counted for the
     * tenant the token was issued to (valid or not: what a gateway can tell before authentication);
     * then answers a missing, unknown or expired token with {@code rejectToken}, and a valid one
     * with {@code handler}, given the tenant. A {@link Refusal} thrown by the handler (a bad
     * parameter) is answered with its response and logged with its outcome.
     */
    protected final SimResponse withToken(
            SimRequest request,
            String api,
            String token,
            Function<LimitDecision, SimResponse> rateLimited,
            Function<TokenState, SimResponse> rejectToken,
            Function<String, SimResponse> handler) {
        Tokens.Token issued = tokens.find(token);
        String tenant = issued == null ? null : issued.tenant();
        return gateway(
                request,
                api,
                tenant,
                tenant,
                rateLimited,
                fault -> {
                    TokenState state = tokenState(token);
                    if (state != TokenState.VALID) return rejectToken.apply(state);
                    try {
                        return handler.apply(tenant);
                    } catch (Refusal refusal) {
                        logRequest(api, tenant, "", refusal.outcome());
                        return refusal.response();
                    }
                });
    }

    /**
     * Whole seconds until the token expires, rounded up (a token issued now has its full lifetime),
     * at least 1.
     */
    protected long remainingSeconds(Tokens.Token token) {
        return Math.max(1, (token.expiresAt() - clock.now() + 999) / 1000);
    }

    // ---------------------------------------------------------------- ground truth

    /** The id under which ground truth lists a department (the platform's id of it). */
    protected abstract String truthDepartmentId(String tenant, long departmentId);

    /** The id under which ground truth lists a user. */
    protected abstract String truthUserId(String tenant, long userId);

    /**
     * A department as ground truth holds it: the rendering a full sync sees (see each platform's
     * javadoc).
     */
    protected abstract ObjectNode truthDepartment(
            String tenant, Directory.Snapshot s, Department d);

    /** A user as ground truth holds it. */
    protected abstract ObjectNode truthUser(String tenant, Directory.Snapshot s, Employee u);

    /** Whether ground truth lists the root department (false where no list API returns it). */
    protected boolean truthIncludesRoot() {
        return true;
    }

    @Override
    public GroundTruth groundTruth(String tenant, String entity) {
        Directory.Snapshot s = directory(tenant).snapshot();
        List<GroundTruth.TruthRecord> live = new ArrayList<>();
        switch (entity) {
            case DEPARTMENTS -> {
                for (Department d : s.departments()) {
                    if (d.isRoot() && !truthIncludesRoot()) continue;
                    live.add(
                            truthRecord(
                                    truthDepartmentId(tenant, d.id()),
                                    truthDepartment(tenant, s, d)));
                }
                return new GroundTruth(
                        tenant,
                        entity,
                        live,
                        s.deletedDepartmentIds().stream()
                                .map(id -> truthDepartmentId(tenant, id))
                                .toList());
            }
            case USERS -> {
                for (Employee u : s.users())
                    live.add(truthRecord(truthUserId(tenant, u.id()), truthUser(tenant, s, u)));
                return new GroundTruth(
                        tenant,
                        entity,
                        live,
                        s.deletedUserIds().stream().map(id -> truthUserId(tenant, id)).toList());
            }
            default ->
                    throw new IllegalArgumentException(
                            name + " has no entity '" + entity + "'; it has " + entities());
        }
    }

    private static GroundTruth.TruthRecord truthRecord(String id, ObjectNode content) {
        return new GroundTruth.TruthRecord(id, 0, Json.contentHash(content), content);
    }
}
