package io.httpsync.contacts.fetch;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Feishu (contact v3, open ids): the root department ({@value #ROOT}, which no list shows) with
 * {@code departments/0}, every department below it with {@code
 * departments/0/children?fetch_child=true} (paged), then every department's members with {@code
 * users/find_by_department} (paged), the root's included. Thread contract: see {@link
 * DirectoryFetcher}.
 */
@Internal
final class FeishuFetcher extends DirectoryFetcher {
    static final String ROOT = "0";
    private final Listing root;
    private final Listing departments;
    private final Listing users;

    FeishuFetcher(
            String base,
            FetchListener listener,
            Map<String, String> overrides,
            SharedBudgets budgets) {
        super(ContactsEndpoints.feishuDepartments(base), listener, overrides, budgets);
        this.root = listing(ContactsEndpoints.feishuRootDepartment(base));
        this.departments = listing(ContactsEndpoints.feishuDepartments(base));
        this.users = listing(ContactsEndpoints.feishuUsers(base));
    }

    @Override
    protected CorpDirectory read(Tenant corp) {
        CompletableFuture<JsonNode> top = root.one(corp, "the root department");
        List<JsonNode> ds = new ArrayList<>(departments.all(corp, "the department tree").join());
        ds.add(top.join());
        List<String> ids = new ArrayList<>();
        ds.forEach(d -> ids.add(required(d, "open_department_id", "a Feishu department")));
        return fromRenderings(corp.id(), ds, membersOfEach(users, corp, ids));
    }

    @Override
    public CorpDirectory fromRenderings(
            String corpId, Collection<JsonNode> departmentJson, Collection<JsonNode> userJson) {
        List<Department> ds = new ArrayList<>();
        for (JsonNode d : departmentJson) {
            List<JsonNode> leaders = new ArrayList<>();
            d.path("leaders").forEach(leaders::add);
            leaders.sort(Comparator.comparingInt(l -> l.path("leaderType").asInt()));
            String id = required(d, "open_department_id", "a Feishu department");
            // the root has no parent; its name may be empty
            ds.add(
                    new Department(
                            id,
                            id.equals(ROOT)
                                    ? null
                                    : required(d, "parent_department_id", "a Feishu department"),
                            id.equals(ROOT)
                                    ? d.path("name").asText("")
                                    : required(d, "name", "a Feishu department"),
                            Long.parseLong(d.path("order").asText("0")),
                            leaders.stream().map(l -> l.path("leaderID").asText()).toList()));
        }
        Map<String, Employee> es = new LinkedHashMap<>();
        for (JsonNode u : userJson) {
            String id = required(u, "open_id", "a Feishu user");
            List<String> departments = new ArrayList<>(texts(u.get("department_ids")));
            for (JsonNode o : u.path("orders")) {
                String d = o.path("department_id").asText();
                if (o.path("is_primary_dept").asBoolean() && departments.remove(d))
                    departments.add(0, d);
            }
            es.putIfAbsent(
                    id,
                    new Employee(
                            id,
                            required(u, "name", "a Feishu user"),
                            departments,
                            text(u, "leader_user_id"),
                            text(u, "job_title"),
                            text(u, "mobile"),
                            text(u, "email")));
        }
        return new CorpDirectory(corpId, ds, es.values());
    }
}
