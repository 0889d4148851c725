package io.httpsync.contacts.fetch;

import io.httpsync.connector.endpoint.EndpointPresets;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Map;

/**
 * The platforms' contacts list APIs as connector endpoint descriptions (option maps of the
 * connector's {@code EndpointSpec}), as the connector's {@link EndpointPresets} describe them (one
 * description of each API, there): WeCom {@code department/list} and {@code user/list}, DingTalk
 * {@code department/listsub}, {@code department/get}, {@code user/list} and {@code user/get},
 * Feishu {@code departments/0/children}, {@code departments/0} and {@code
 * users/find_by_department}, each with its documented limits as rate-limit buckets (per corp and
 * API, and per egress IP shared by all corps). The department or user a request is about comes in
 * as a tenant property ({@code ${tenant.dept}}, {@code ${tenant.user}}) of a per-request copy of
 * the corp's tenant; tenant properties {@code app-key} and {@code app-secret}.
 */
@PublicEvolving
public final class ContactsEndpoints {
    public static final String WECOM_GATEWAY = EndpointPresets.WECOM_GATEWAY;
    public static final String DINGTALK_GATEWAY = EndpointPresets.DINGTALK_GATEWAY;
    public static final String FEISHU_GATEWAY = EndpointPresets.FEISHU_GATEWAY;

    /** The pointer of a cursor that a single-page answer never has. */
    public static final String SINGLE_PAGE = EndpointPresets.SINGLE_PAGE;

    private ContactsEndpoints() {}

    /** WeCom {@code department/list}: the whole tree with {@code department_leader}, one answer. */
    public static Map<String, String> wecomDepartments(String base) {
        return EndpointPresets.wecomDepartments(base);
    }

    /**
     * WeCom {@code user/list?department_id}: a department's direct members with details, one
     * answer.
     */
    public static Map<String, String> wecomUsers(String base) {
        return EndpointPresets.wecomUsers(base);
    }

    /**
     * DingTalk {@code topapi/v2/department/listsub}: a department's direct sub-departments, one
     * answer.
     */
    public static Map<String, String> dingtalkSubDepartments(String base) {
        return EndpointPresets.dingtalkSubDepartments(base);
    }

    /**
     * DingTalk {@code topapi/v2/department/get}: one department with its heads ({@code
     * dept_manager_userid_list}).
     */
    public static Map<String, String> dingtalkDepartment(String base) {
        return EndpointPresets.dingtalkDepartment(base);
    }

    /**
     * DingTalk {@code topapi/v2/user/list}: a department's members, 100 a page at a numeric offset
     * cursor.
     */
    public static Map<String, String> dingtalkUsers(String base) {
        return EndpointPresets.dingtalkUsers(base);
    }

    /**
     * DingTalk {@code topapi/v2/user/get}: one user with its direct leader ({@code
     * manager_userid}).
     */
    public static Map<String, String> dingtalkUser(String base) {
        return EndpointPresets.dingtalkUser(base);
    }

    /**
     * Feishu {@code departments/0/children?fetch_child=true}: every department below the root,
     * paged.
     */
    public static Map<String, String> feishuDepartments(String base) {
        return EndpointPresets.feishuDepartments(base);
    }

    /**
     * Feishu {@code departments/0}: the root department itself (its name and leaders), which no
     * list shows. The app needs the whole corp in its contacts scope (全部成员) to read it, as it does
     * for {@code departments/0/children}.
     */
    public static Map<String, String> feishuRootDepartment(String base) {
        return EndpointPresets.feishuRootDepartment(base);
    }

    /** Feishu {@code users/find_by_department}: a department's direct members, paged. */
    public static Map<String, String> feishuUsers(String base) {
        return EndpointPresets.feishuUsers(base);
    }
}
