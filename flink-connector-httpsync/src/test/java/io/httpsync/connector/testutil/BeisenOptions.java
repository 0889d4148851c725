package io.httpsync.connector.testutil;

import java.util.LinkedHashMap;
import java.util.Map;

/** Endpoint options for the simulator's Beisen-style platform. */
public final class BeisenOptions {
    private BeisenOptions() {}

    /**
     * The options every Beisen-style endpoint shares: POST JSON, a bearer token from a form-body
     * token request with the tenant's app key and secret, errors as {@code code} other than 200.
     */
    public static Map<String, String> common(String base) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("request.method", "POST");
        o.put("request.body.kind", "json");
        o.put("request.header.Authorization", "Bearer ${token}");
        o.put("response.error-code-path", "/code");
        o.put("response.error-message-path", "/message");
        o.put("error.success-codes", "200");
        o.put("auth.token.url", base + "/token");
        o.put("auth.token.method", "POST");
        o.put("auth.token.body.kind", "form");
        o.put("auth.token.param.grant_type", "client_credentials");
        o.put("auth.token.param.app_key", "${tenant.app-key}");
        o.put("auth.token.param.app_secret", "${tenant.app-secret}");
        o.put("auth.token.path", "/access_token");
        o.put("auth.token.expires-in-path", "/expires_in");
        return o;
    }

    /**
     * A department's employees ({@code Employee/GetByDepartment}): a scroll, 5 to a page, that ends
     * with {@code isLastData}; the department id is {@code departmentId}, a template placeholder
     * such as {@code ${tenant.lookup.departmentId}}.
     */
    public static Map<String, String> employeesByDepartment(String base, String departmentId) {
        Map<String, String> o = common(base);
        o.put("name", "beisen/employees");
        o.put("url", base + "/TenantBaseExternal/api/v5/Employee/GetByDepartment");
        o.put(
                "request.body.template",
                "{\"departmentId\":"
                        + departmentId
                        + ",\"scrollId\":\"${cursor}\",\"capacity\":${pageSize}}");
        o.put("pagination.style", "cursor");
        o.put("pagination.page-size", "5");
        o.put("response.records-path", "/data");
        o.put("response.cursor-path", "/scrollId");
        o.put("response.last-page-path", "/isLastData");
        o.put("response.record.id-path", "/userID");
        o.put("rate-limit.permits-per-second", "40");
        return o;
    }
}
