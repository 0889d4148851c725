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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WeCom: {@code department/list} (the whole tree with {@code department_leader}), then {@code
 * user/list} of every department at once (direct members with {@code direct_leader}); a user listed
 * in several departments is one employee. Thread contract: see {@link DirectoryFetcher}.
 */
@Internal
final class WeComFetcher extends DirectoryFetcher {
    private final Listing departments;
    private final Listing users;

    WeComFetcher(
            String base,
            FetchListener listener,
            Map<String, String> overrides,
            SharedBudgets budgets) {
        super(ContactsEndpoints.wecomDepartments(base), listener, overrides, budgets);
        this.departments = listing(ContactsEndpoints.wecomDepartments(base));
        this.users = listing(ContactsEndpoints.wecomUsers(base));
    }

    @Override
    protected CorpDirectory read(Tenant corp) {
        List<JsonNode> ds = departments.all(corp, "the department tree").join();
        List<String> ids = ds.stream().map(d -> required(d, "id", "a WeCom department")).toList();
        return fromRenderings(corp.id(), ds, membersOfEach(users, corp, ids));
    }

    @Override
    public CorpDirectory fromRenderings(
            String corpId, Collection<JsonNode> departmentJson, Collection<JsonNode> userJson) {
        List<Department> ds = new ArrayList<>();
        for (JsonNode d : departmentJson) {
            String parent = text(d, "parentid");
            ds.add(
                    new Department(
                            required(d, "id", "a WeCom department"),
                            parent == null || parent.equals("0") ? null : parent,
                            required(d, "name", "a WeCom department"),
                            d.path("order").asLong(),
                            texts(d.get("department_leader"))));
        }
        Map<String, Employee> es = new LinkedHashMap<>();
        for (JsonNode u : userJson) {
            String id = required(u, "userid", "a WeCom user");
            List<String> departments = new ArrayList<>(texts(u.get("department")));
            String main = text(u, "main_department");
            if (main != null && departments.remove(main)) departments.add(0, main);
            List<String> leaders = texts(u.get("direct_leader"));
            es.putIfAbsent(
                    id,
                    new Employee(
                            id,
                            required(u, "name", "a WeCom user"),
                            departments,
                            leaders.isEmpty() ? null : leaders.get(0),
                            text(u, "position"),
                            text(u, "mobile"),
                            text(u, "email")));
        }
        return new CorpDirectory(corpId, ds, es.values());
    }
}
