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
import java.util.TreeSet;

/**
 * DingTalk (old topapi family): the tree level by level with {@code department/listsub} from the
 * root (1), every department's heads with {@code department/get}, every department's members with
 * {@code user/list} (paged), and every member's direct leader with {@code user/get} (the list shows
 * no leader). Thread contract: see {@link DirectoryFetcher}.
 */
@Internal
final class DingTalkFetcher extends DirectoryFetcher {
    static final String ROOT = "1";
    private final Listing subDepartments;
    private final Listing department;
    private final Listing users;
    private final Listing user;

    DingTalkFetcher(
            String base,
            FetchListener listener,
            Map<String, String> overrides,
            SharedBudgets budgets) {
        super(ContactsEndpoints.dingtalkDepartment(base), listener, overrides, budgets);
        this.subDepartments = listing(ContactsEndpoints.dingtalkSubDepartments(base));
        this.department = listing(ContactsEndpoints.dingtalkDepartment(base));
        this.users = listing(ContactsEndpoints.dingtalkUsers(base));
        this.user = listing(ContactsEndpoints.dingtalkUser(base));
    }

    @Override
    protected CorpDirectory read(Tenant corp) {
        List<String> ids = new ArrayList<>(List.of(ROOT));
        List<String> level = List.of(ROOT);
        while (!level.isEmpty()) {
            Map<String, List<JsonNode>> children =
                    each(
                            level,
                            id -> subDepartments.all(with(corp, "dept", id), "department " + id));
            List<String> next = new ArrayList<>();
            children.values()
                    .forEach(
                            cs ->
                                    cs.forEach(
                                            c ->
                                                    next.add(
                                                            required(
                                                                    c,
                                                                    "dept_id",
                                                                    "a DingTalk sub-department"))));
            ids.addAll(next);
            level = next;
        }
        Map<String, JsonNode> details =
                each(ids, id -> department.one(with(corp, "dept", id), "department " + id));
        TreeSet<String> userIds = new TreeSet<>();
        membersOfEach(users, corp, ids)
                .forEach(m -> userIds.add(required(m, "userid", "a DingTalk user")));
        Map<String, JsonNode> people =
                each(userIds, id -> user.one(with(corp, "user", id), "user " + id));
        return fromRenderings(corp.id(), details.values(), people.values());
    }

    @Override
    public CorpDirectory fromRenderings(
            String corpId, Collection<JsonNode> departmentJson, Collection<JsonNode> userJson) {
        List<Department> ds = new ArrayList<>();
        for (JsonNode d : departmentJson) {
            ds.add(
                    new Department(
                            required(d, "dept_id", "a DingTalk department"),
                            text(d, "parent_id"),
                            required(d, "name", "a DingTalk department"),
                            d.path("order").asLong(),
                            texts(d.get("dept_manager_userid_list"))));
        }
        Map<String, Employee> es = new LinkedHashMap<>();
        for (JsonNode u : userJson) {
            String id = required(u, "userid", "a DingTalk user");
            es.putIfAbsent(
                    id,
                    new Employee(
                            id,
                            required(u, "name", "a DingTalk user"),
                            texts(u.get("dept_id_list")),
                            text(u, "manager_userid"),
                            text(u, "title"),
                            text(u, "mobile"),
                            text(u, "email")));
        }
        return new CorpDirectory(corpId, ds, es.values());
    }
}
