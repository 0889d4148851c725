package io.httpsync.contacts.fetch;

import org.apache.flink.annotation.PublicEvolving;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The platforms' contacts list APIs as connector endpoint descriptions (option maps of the
 * connector's {@code EndpointSpec}): URL, token endpoint, paging, where the records are, how errors
 * and rate limiting look, and the documented limits as rate-limit buckets: per corp (and API), and
 * per egress IP shared by all corps (DingTalk's 10,000 per 20 s over all APIs, WeCom's per API; a
 * Feishu app's limits are per corp here, each corp having its own app). None of these APIs lists by
 * time, so the connector's time window is not used; the department or user a request is about comes
 * in as a tenant property ({@code ${tenant.dept}}, {@code ${tenant.user}}) of a per-request copy of
 * the corp's tenant, which keeps the corp's id, so the corp's token and limits are shared by all of
 * its requests.
 *
 * <p>Tenant properties: {@code app-key} (WeCom corpid, DingTalk appkey, Feishu app_id) and {@code
 * app-secret}. An API answered in one page (WeCom's lists, DingTalk's {@code listsub} and detail
 * APIs) is described as cursor paging whose cursor never appears ({@value #SINGLE_PAGE}), so it
 * ends after the first page.
 */
@PublicEvolving
public final class ContactsEndpoints {
    public static final String WECOM_GATEWAY = "https://qyapi.weixin.qq.com";
    public static final String DINGTALK_GATEWAY = "https://oapi.dingtalk.com";
    public static final String FEISHU_GATEWAY = "https://open.feishu.cn";

    /** The pointer of a cursor that a single-page answer never has. */
    public static final String SINGLE_PAGE = "/single-page-answer-has-no-cursor";

    private ContactsEndpoints() {}

    // ---------------------------------------------------------------- WeCom

    private static Map<String, String> wecom(
            String base, String name, String path, String recordsPath) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "wecom/" + name);
        o.put("url", base + path);
        o.put("request.method", "GET");
        o.put("request.param.access_token", "${token}");
        o.put("auth.token.url", base + "/cgi-bin/gettoken");
        o.put("auth.token.method", "GET");
        o.put("auth.token.param.corpid", "${tenant.app-key}");
        o.put("auth.token.param.corpsecret", "${tenant.app-secret}");
        o.put("auth.token.path", "/access_token");
        o.put("auth.token.expires-in-path", "/expires_in");
        o.put("auth.token.expires-in-unit", "seconds");
        o.put("response.records-path", recordsPath);
        o.put("response.error-code-path", "/errcode");
        o.put("response.error-message-path", "/errmsg");
        o.put("error.success-codes", "0");
        o.put("error.rate-limited-codes", "45009");
        o.put("error.token-expired-codes", "42001;40014;41001");
        o.put("pagination.style", "cursor");
        o.put("response.cursor-path", SINGLE_PAGE);
        // per IP and API (a service provider's, as the contacts design counts: 40,000 a minute and
        // 1,200,000 an hour; a corp's own server has half) shared by every corp: the hour is what
        // binds, 20,000 a minute on average; an excess bans the IP's API for the rest of the window
        o.put("rate-limit.bucket.ip-minute.scope", "api");
        o.put("rate-limit.bucket.ip-minute.permits", "40000");
        o.put("rate-limit.bucket.ip-minute.period", "minute");
        o.put("rate-limit.bucket.ip-minute.burst", "200");
        o.put("rate-limit.bucket.ip-hour.scope", "api");
        o.put("rate-limit.bucket.ip-hour.permits", "1200000");
        o.put("rate-limit.bucket.ip-hour.period", "hour");
        o.put("rate-limit.bucket.ip-hour.burst", "200");
        // per corp and API 10,000 a minute and 150,000 an hour; a minute's excess bans the key for
        // 60 s
        o.put("rate-limit.bucket.corp-minute.scope", "tenant_api");
        o.put("rate-limit.bucket.corp-minute.permits", "10000");
        o.put("rate-limit.bucket.corp-minute.period", "minute");
        o.put("rate-limit.bucket.corp-minute.burst", "200");
        o.put("rate-limit.bucket.corp-hour.scope", "tenant_api");
        o.put("rate-limit.bucket.corp-hour.permits", "150000");
        o.put("rate-limit.bucket.corp-hour.period", "hour");
        o.put("rate-limit.bucket.corp-hour.burst", "200");
        return o;
    }

    /** WeCom {@code department/list}: the whole tree with {@code department_leader}, one answer. */
    public static Map<String, String> wecomDepartments(String base) {
        return wecom(base, "department/list", "/cgi-bin/department/list", "/department");
    }

    /**
     * WeCom {@code user/list?department_id}: a department's direct members with details, one
     * answer.
     */
    public static Map<String, String> wecomUsers(String base) {
        Map<String, String> o = wecom(base, "user/list", "/cgi-bin/user/list", "/userlist");
        o.put("request.param.department_id", "${tenant.dept}");
        return o;
    }

    // ---------------------------------------------------------------- DingTalk

    private static Map<String, String> dingtalk(
            String base, String name, String bodyTemplate, String recordsPath) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "dingtalk/" + name);
        o.put("url", base + "/" + name);
        o.put("request.method", "POST");
        o.put("request.param.access_token", "${token}");
        o.put("request.body.kind", "json");
        o.put("request.body.template", bodyTemplate);
        o.put("auth.token.url", base + "/gettoken");
        o.put("auth.token.method", "GET");
        o.put("auth.token.param.appkey", "${tenant.app-key}");
        o.put("auth.token.param.appsecret", "${tenant.app-secret}");
        o.put("auth.token.path", "/access_token");
        o.put("auth.token.expires-in-path", "/expires_in");
        o.put("auth.token.expires-in-unit", "seconds");
        o.put("response.records-path", recordsPath);
        // auth errors come as errcode 88 with the real code in sub_code
        o.put("response.error-code-path", "/sub_code;/errcode");
        o.put("response.error-message-path", "/sub_msg;/errmsg");
        o.put("error.success-codes", "0");
        o.put("error.rate-limited-codes", "90002;90018;90019");
        o.put("error.token-expired-codes", "42001;40014");
        // the per-IP ban answers with a page that is not the platform's JSON
        o.put("error.rate-limited-body-regex", "访问被拒绝|\"punish\"");
        o.put("pagination.style", "cursor");
        o.put("response.cursor-path", SINGLE_PAGE);
        // per IP over all APIs 10,000 in 20 s, shared by every corp and API (an excess bans the IP
        // for 5 minutes); the few token requests count there too and are not budgeted
        o.put("rate-limit.bucket.ip.scope", "ip");
        o.put("rate-limit.bucket.ip.permits", "10000");
        o.put("rate-limit.bucket.ip.period", "20 s");
        o.put("rate-limit.bucket.ip.burst", "100");
        // per corp's app and API 40 a second
        o.put("rate-limit.bucket.corp-api.scope", "tenant_api");
        o.put("rate-limit.bucket.corp-api.permits", "40");
        o.put("rate-limit.bucket.corp-api.period", "second");
        o.put("rate-limit.bucket.corp-api.burst", "10");
        return o;
    }

    /**
     * DingTalk {@code topapi/v2/department/listsub}: a department's direct sub-departments, one
     * answer.
     */
    public static Map<String, String> dingtalkSubDepartments(String base) {
        return dingtalk(
                base, "topapi/v2/department/listsub", "{\"dept_id\":${tenant.dept}}", "/result");
    }

    /**
     * DingTalk {@code topapi/v2/department/get}: one department with its heads ({@code
     * dept_manager_userid_list}).
     */
    public static Map<String, String> dingtalkDepartment(String base) {
        Map<String, String> o =
                dingtalk(
                        base,
                        "topapi/v2/department/get",
                        "{\"dept_id\":${tenant.dept}}",
                        "/result");
        o.put("response.single-record", "true");
        return o;
    }

    /**
     * DingTalk {@code topapi/v2/user/list}: a department's members, 100 a page at a numeric offset
     * cursor.
     */
    public static Map<String, String> dingtalkUsers(String base) {
        Map<String, String> o =
                dingtalk(
                        base,
                        "topapi/v2/user/list",
                        "{\"dept_id\":${tenant.dept},\"cursor\":${offset},\"size\":${pageSize},\"order_field\":\"custom\"}",
                        "/result/list");
        o.put("pagination.style", "offset");
        o.remove("response.cursor-path");
        o.put("pagination.page-size", "100");
        o.put("pagination.max-page-size", "100");
        o.put("response.has-next-path", "/result/has_more");
        return o;
    }

    /**
     * DingTalk {@code topapi/v2/user/get}: one user with its direct leader ({@code
     * manager_userid}).
     */
    public static Map<String, String> dingtalkUser(String base) {
        Map<String, String> o =
                dingtalk(base, "topapi/v2/user/get", "{\"userid\":\"${tenant.user}\"}", "/result");
        o.put("response.single-record", "true");
        return o;
    }

    // ---------------------------------------------------------------- Feishu

    private static Map<String, String> feishu(String base, String name, String path) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "feishu/" + name);
        o.put("url", base + path);
        o.put("request.method", "GET");
        o.put("request.header.Authorization", "Bearer ${token}");
        o.put("request.param.page_size", "${pageSize}");
        o.put("request.param.page_token", "${cursor}");
        o.put("auth.token.url", base + "/open-apis/auth/v3/tenant_access_token/internal");
        o.put("auth.token.method", "POST");
        o.put("auth.token.body.kind", "json");
        o.put(
                "auth.token.body.template",
                "{\"app_id\":\"${tenant.app-key}\",\"app_secret\":\"${tenant.app-secret}\"}");
        o.put("auth.token.path", "/tenant_access_token");
        o.put("auth.token.expires-in-path", "/expire");
        o.put("auth.token.expires-in-unit", "seconds");
        o.put("response.records-path", "/data/items");
        o.put("response.records-may-be-absent", "true");
        o.put("response.cursor-path", "/data/page_token");
        o.put("response.has-next-path", "/data/has_more");
        o.put("response.error-code-path", "/code");
        o.put("response.error-message-path", "/msg");
        o.put("error.success-codes", "0");
        o.put("error.rate-limited-codes", "99991400");
        o.put("error.rate-limited-statuses", "429");
        o.put("error.token-expired-codes", "99991663;99991668;99991661");
        o.put("error.wait-headers", "x-ogw-ratelimit-reset");
        o.put("pagination.style", "cursor");
        o.put("pagination.page-size", "50");
        o.put("pagination.max-page-size", "50");
        // per API and tenant 50 a second and 1,000 a minute
        o.put("rate-limit.bucket.second.scope", "tenant_api");
        o.put("rate-limit.bucket.second.permits", "50");
        o.put("rate-limit.bucket.second.period", "second");
        o.put("rate-limit.bucket.second.burst", "10");
        o.put("rate-limit.bucket.minute.scope", "tenant_api");
        o.put("rate-limit.bucket.minute.permits", "1000");
        o.put("rate-limit.bucket.minute.period", "minute");
        o.put("rate-limit.bucket.minute.burst", "10");
        return o;
    }

    /**
     * Feishu {@code departments/0/children?fetch_child=true}: every department below the root,
     * paged.
     */
    public static Map<String, String> feishuDepartments(String base) {
        Map<String, String> o =
                feishu(
                        base,
                        "contact/v3/departments/children",
                        "/open-apis/contact/v3/departments/0/children");
        o.put("request.param.fetch_child", "true");
        return o;
    }

    /**
     * Feishu {@code departments/0}: the root department itself (its name and leaders), which no
     * list shows. The app needs the whole corp in its contacts scope (全部成员) to read it, as it does
     * for {@code departments/0/children}.
     */
    public static Map<String, String> feishuRootDepartment(String base) {
        Map<String, String> o =
                feishu(base, "contact/v3/departments/get", "/open-apis/contact/v3/departments/0");
        o.remove("request.param.page_size");
        o.remove("request.param.page_token");
        o.remove("response.has-next-path");
        o.remove("response.records-may-be-absent");
        o.put("response.cursor-path", SINGLE_PAGE);
        o.put("response.records-path", "/data/department");
        o.put("response.single-record", "true");
        return o;
    }

    /** Feishu {@code users/find_by_department}: a department's direct members, paged. */
    public static Map<String, String> feishuUsers(String base) {
        Map<String, String> o =
                feishu(
                        base,
                        "contact/v3/users/find_by_department",
                        "/open-apis/contact/v3/users/find_by_department");
        o.put("request.param.department_id", "${tenant.dept}");
        return o;
    }
}
