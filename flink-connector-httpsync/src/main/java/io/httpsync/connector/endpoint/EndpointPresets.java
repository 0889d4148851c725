package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.PublicEvolving;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ready descriptions of the platforms' order list APIs, as option maps to start from: override what
 * differs (the base URL for a simulator, the page size, the rate) and build with {@code
 * EndpointSpec.builder().options(...)}. Written from the platforms' public API documentation;
 * values the documentation leaves open are marked [U] in comments and may need adjusting.
 *
 * <p>Tenant properties each preset expects: Kuaishou {@code app-key}, {@code sign-secret}, {@code
 * access-token} (or {@code app-secret} and {@code refresh-token} with {@link
 * #kuaishouRefreshTokens}); Taobao {@code app-key}, {@code app-secret}, {@code session}; Jushuitan
 * {@code app-key}, {@code app-secret}, {@code access-token} (or {@code refresh-token} with {@link
 * #jushuitanRefreshTokens}); Youzan {@code client-id}, {@code client-secret}, {@code grant-id} (the
 * shop's kdt_id); Ekuaibao {@code app-key}, {@code app-secret}; JD Union {@code app-key}, {@code
 * app-secret}.
 */
@PublicEvolving
public final class EndpointPresets {
    public static final String KUAISHOU_GATEWAY = "https://openapi.kwaixiaodian.com";
    public static final String TOP_GATEWAY = "https://eco.taobao.com";
    public static final String JUSHUITAN_GATEWAY = "https://openapi.jushuitan.com";
    public static final String YOUZAN_GATEWAY = "https://open.youzanyun.com";
    public static final String EKUAIBAO_GATEWAY = "https://app.ekuaibao.com";
    public static final String JD_ROUTER = "https://api.jd.com";

    private EndpointPresets() {}

    /**
     * Kuaishou {@code open.order.detail}, one order per request ({@code response.single-record}),
     * signed and limited as the list: the detail API a full pass asks about the rows it did not see
     * (the id is {@code ${tenant.record.id}}; a deleted order is business error {@code 2001}
     * "订单不存在").
     *
     * @param baseUrl the gateway, e.g. a simulator's {@code http://127.0.0.1:PORT/kuaishou}
     */
    public static Map<String, String> kuaishouOrderDetail(String baseUrl) {
        Map<String, String> o = kuaishouOrders(baseUrl);
        for (String listOnly :
                new String[] {
                    "pagination.cursor.end-markers",
                    "response.cursor-path",
                    "response.record.id-path",
                    "response.record.time-path",
                    "window.max-width",
                    "window.look-back"
                }) {
            o.remove(listOnly);
        }
        o.put("name", "kuaishou/open.order.detail");
        o.put("url", baseUrl + "/open/order/detail");
        o.put("request.param.method", "open.order.detail");
        o.put("request.biz-param.template", "{\"oid\":\"${tenant.record.id}\"}");
        o.put("pagination.style", "page");
        o.put("response.records-path", "/data");
        o.put("response.single-record", "true");
        return o;
    }

    /**
     * Kuaishou {@code open.order.cursor.list} by update time, newest first, at the official
     * gateway.
     */
    public static Map<String, String> kuaishouOrders() {
        return kuaishouOrders(KUAISHOU_GATEWAY);
    }

    /**
     * Kuaishou {@code open.order.cursor.list}: GET, business parameters in the {@code param} JSON,
     * signed with HMAC-SHA256; cursor paging ending at {@code "nomore"}; errors inside HTTP 200
     * with {@code result != 1}.
     *
     * @param baseUrl the gateway, e.g. a simulator's {@code http://127.0.0.1:PORT/kuaishou}
     */
    public static Map<String, String> kuaishouOrders(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "kuaishou/open.order.cursor.list");
        o.put("url", baseUrl + "/open/order/cursor/list");
        o.put("request.method", "GET");
        o.put("request.param.appkey", "${tenant.app-key}");
        o.put("request.param.method", "open.order.cursor.list");
        o.put("request.param.version", "1");
        o.put("request.param.access_token", "${token}");
        o.put("request.param.timestamp", "${now.epoch-millis}");
        o.put("request.biz-param.name", "param");
        // queryType 2 = by update time, sort 1 = newest first, orderViewStatus 1 = all
        o.put(
                "request.biz-param.template",
                "{\"queryType\":2,\"sort\":1,\"orderViewStatus\":1,\"cpsType\":0,"
                        + "\"pageSize\":${pageSize},\"beginTime\":${window.start},\"endTime\":${window.end},\"cursor\":\"${cursor}\"}");
        o.put("time.format", "epoch-millis");
        o.put("time.zone", "Asia/Shanghai");
        o.put("query.time-field", "update");
        o.put("sort", "desc");
        o.put("window.max-width", "7 d");
        o.put("window.look-back", "90 d");
        o.put("pagination.style", "cursor");
        o.put("pagination.page-size", "50");
        o.put("pagination.max-page-size", "50");
        o.put("pagination.cursor.end-markers", "nomore");
        o.put("response.records-path", "/data/orderList");
        o.put("response.cursor-path", "/data/cursor");
        o.put("response.error-code-path", "/result");
        o.put("response.error-message-path", "/error_msg;/errorMsg;/msg");
        o.put("response.record.id-path", "/orderBaseInfo/oid");
        o.put("response.record.time-path", "/orderBaseInfo/updateTime");
        o.put("error.success-codes", "1");
        o.put("error.token-expired-codes", "28");
        o.put(
                "error.rate-limited-codes",
                "17"); // [U] the docs give only the message; the regex below is the safe net
        o.put("error.rate-limited-message-regex", "(?i)exceed (qps|quota) limit");
        o.put("auth.signer", "kuaishou-hmac-sha256");
        o.put("auth.signer.secret-property", "sign-secret");
        o.put("auth.token.property", "access-token");
        o.put("rate-limit.permits-per-second", "50");
        o.put("rate-limit.burst", "5");
        return o;
    }

    /**
     * Options that fetch Kuaishou access tokens from its OAuth endpoint with the authorization-code
     * grant, to add to {@link #kuaishouOrders(String)} in place of a static {@code access-token}
     * property. The code is a template, e.g. {@code ${tenant.auth-code}}. Real codes are
     * single-use, so in production this fits a first authorization only; the platform simulator
     * accepts the shop id as a code again and again ({@code ${tenant.id}}).
     */
    public static Map<String, String> kuaishouCodeGrantTokens(String baseUrl, String codeTemplate) {
        Map<String, String> o = kuaishouOAuth(baseUrl + "/oauth2/access_token");
        o.put("auth.token.param.grant_type", "code");
        o.put("auth.token.param.code", codeTemplate);
        return o;
    }

    /**
     * What Kuaishou's OAuth token endpoints share: the app's credentials, and where the answer has
     * the token.
     */
    private static Map<String, String> kuaishouOAuth(String url) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("auth.token.url", url);
        o.put("auth.token.param.app_id", "${tenant.app-key}");
        o.put("auth.token.param.app_secret", "${tenant.app-secret}");
        o.put("auth.token.path", "/access_token");
        o.put("auth.token.expires-in-path", "/expires_in");
        return o;
    }

    /**
     * Options that fetch Kuaishou access tokens with the refresh-token grant ({@code
     * /oauth2/refresh_token}), to add to {@link #kuaishouOrders(String)} in place of a static
     * {@code access-token} property. Each tenant needs the properties {@code app-key}, {@code
     * app-secret} and {@code refresh-token} (from the shop's authorization). Kuaishou hands out a
     * new refresh token with every answer and discards the old one soon after: the source uses the
     * newest for the next refresh, asks once per tenant for the whole job, and keeps the newest in
     * its checkpoints, so a restored job does not present the spent one from its configuration.
     */
    public static Map<String, String> kuaishouRefreshTokens(String baseUrl) {
        Map<String, String> o = kuaishouOAuth(baseUrl + "/oauth2/refresh_token");
        o.put("auth.token.param.grant_type", "refresh_token");
        o.put("auth.token.param.refresh_token", "${tenant.refresh-token}");
        o.put("auth.token.refresh-token-path", "/refresh_token");
        o.put("auth.token.refresh-token-property", "refresh-token");
        return o;
    }

    /** Taobao {@code taobao.trades.sold.increment.get} at the official gateway. */
    public static Map<String, String> taobaoTradesIncrement() {
        return taobaoTradesIncrement(TOP_GATEWAY);
    }

    /**
     * Taobao {@code taobao.trades.sold.increment.get}: POST form to {@code /router/rest}, signed
     * with HMAC-SHA256; page numbers with {@code total_results}, so paging goes backwards from the
     * last page as TOP's documentation demands; errors in {@code error_response}, code 7 rate
     * limiting with "This ban will last for N more seconds".
     */
    public static Map<String, String> taobaoTradesIncrement(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "taobao/taobao.trades.sold.increment.get");
        o.put("url", baseUrl + "/router/rest");
        o.put("request.method", "POST");
        o.put("request.body.kind", "form");
        o.put("request.param.method", "taobao.trades.sold.increment.get");
        o.put("request.param.app_key", "${tenant.app-key}");
        o.put("request.param.session", "${token}");
        o.put("request.param.timestamp", "${now}");
        o.put("request.param.format", "json");
        o.put("request.param.v", "2.0");
        o.put("request.param.fields", "tid,status,modified,created,payment,buyer_open_uid,orders");
        o.put("request.param.start_modified", "${window.start}");
        o.put("request.param.end_modified", "${window.end}");
        o.put("request.param.page_no", "${page}");
        o.put("request.param.page_size", "${pageSize}");
        o.put("request.param.use_has_next", "false");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put(
                "window.end-inclusive",
                "true"); // [U] TOP's end_modified is commonly read as inclusive
        o.put("query.time-field", "update");
        o.put("sort", "desc");
        o.put("window.max-width", "1 d");
        o.put("window.look-back", "90 d");
        o.put("pagination.style", "page");
        o.put("pagination.start-page", "1");
        o.put("pagination.page-size", "100");
        o.put("pagination.max-page-size", "100");
        o.put("response.records-path", "/trades_sold_increment_get_response/trades/trade");
        o.put("response.records-may-be-absent", "true"); // TOP leaves 'trades' out of an empty page
        o.put("response.total-path", "/trades_sold_increment_get_response/total_results");
        o.put("response.error-code-path", "/error_response/code");
        o.put("response.error-message-path", "/error_response/sub_msg;/error_response/msg");
        o.put("response.record.id-path", "/tid");
        o.put("response.record.time-path", "/modified");
        o.put("error.rate-limited-codes", "7");
        o.put("error.token-expired-codes", "27");
        o.put(
                "error.retryable-codes",
                "10;15"); // service unavailable; remote service error (isp.*)
        o.put("error.ban-seconds-regex", "This ban will last for (\\d+) more seconds");
        o.put("auth.signer", "top-hmac-sha256");
        o.put("auth.signer.secret-property", "app-secret");
        o.put("auth.token.property", "session");
        o.put("rate-limit.permits-per-second", "10");
        return o;
    }

    /** Jushuitan {@code /open/orders/single/query} at the official gateway. */
    public static Map<String, String> jushuitanOrders() {
        return jushuitanOrders(JUSHUITAN_GATEWAY);
    }

    /**
     * Jushuitan {@code /open/orders/single/query}: POST form with the {@code biz} JSON, MD5-signed;
     * page numbers with {@code data_count} (backward paging); code 0 success, 100 token invalid,
     * 199 and 200 rate limiting (200 is an error here, not success).
     */
    public static Map<String, String> jushuitanOrders(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "jushuitan/orders.single.query");
        o.put("url", baseUrl + "/open/orders/single/query");
        o.put("request.method", "POST");
        o.put("request.body.kind", "form");
        o.put("request.param.app_key", "${tenant.app-key}");
        o.put("request.param.access_token", "${token}");
        o.put("request.param.timestamp", "${now.epoch-seconds}");
        o.put("request.param.version", "2");
        o.put("request.param.charset", "utf-8");
        o.put("request.biz-param.name", "biz");
        o.put(
                "request.biz-param.template",
                "{\"modified_begin\":\"${window.start}\",\"modified_end\":\"${window.end}\","
                        + "\"page_index\":${page},\"page_size\":${pageSize},\"is_get_total\":true}");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put("window.end-inclusive", "true"); // [U]
        o.put("query.time-field", "update");
        o.put("sort", "desc"); // [U] the order of a modified-time query is not documented
        o.put("window.max-width", "7 d");
        o.put("pagination.style", "page");
        o.put("pagination.start-page", "1");
        o.put("pagination.page-size", "100");
        o.put("pagination.max-page-size", "100");
        o.put("response.records-path", "/data/orders");
        o.put("response.total-path", "/data/data_count");
        o.put("response.has-next-path", "/data/has_next");
        o.put("response.error-code-path", "/code");
        o.put("response.error-message-path", "/msg");
        o.put("response.record.id-path", "/o_id");
        o.put("response.record.time-path", "/modified");
        o.put("error.success-codes", "0");
        o.put("error.token-expired-codes", "100");
        o.put("error.rate-limited-codes", "199;200");
        o.put("auth.signer", "jushuitan-md5");
        o.put("auth.signer.secret-property", "app-secret");
        o.put("auth.token.property", "access-token");
        o.put(
                "rate-limit.permits-per-second",
                "1.5"); // 5/s and 100/min: 100/min is the binding one
        o.put("rate-limit.burst", "5");
        return o;
    }

    /**
     * Options that fetch Jushuitan access tokens with the refresh-token grant ({@code
     * /openWeb/auth/refreshToken}, form POST, MD5-signed like the queries), to add to {@link
     * #jushuitanOrders(String)} in place of a static {@code access-token} property. Each tenant
     * needs the properties {@code app-key}, {@code app-secret} and {@code refresh-token}. A
     * Jushuitan refresh invalidates the earlier access tokens and the refresh token it presented:
     * the source refreshes once per tenant for the whole job, presents the newest refresh token,
     * and keeps it in its checkpoints. (Service-provider apps may not refresh at all; Jushuitan
     * then answers code 150.)
     */
    public static Map<String, String> jushuitanRefreshTokens(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("auth.token.url", baseUrl + "/openWeb/auth/refreshToken");
        o.put("auth.token.method", "POST");
        o.put("auth.token.body.kind", "form");
        o.put("auth.token.param.app_key", "${tenant.app-key}");
        o.put("auth.token.param.timestamp", "${now.epoch-seconds}");
        o.put("auth.token.param.grant_type", "refresh_token");
        o.put("auth.token.param.charset", "utf-8");
        o.put("auth.token.param.refresh_token", "${tenant.refresh-token}");
        o.put("auth.token.param.scope", "all");
        o.put("auth.token.signed", "true");
        o.put("auth.token.path", "/data/access_token");
        o.put("auth.token.expires-in-path", "/data/expires_in");
        o.put("auth.token.refresh-token-path", "/data/refresh_token");
        return o;
    }

    /** Youzan {@code youzan.trades.sold.get} 4.0.4 at the official gateway. */
    public static Map<String, String> youzanTrades() {
        return youzanTrades(YOUZAN_GATEWAY);
    }

    /**
     * Youzan {@code youzan.trades.sold.get} 4.0.4: POST JSON with the token in the query; tokens
     * from {@code /auth/token} (silent grant); page numbers with {@code total_results}, capped at
     * 100 pages and {@code page_no * page_size <= 3200}, so busy windows are split; errors in
     * {@code gw_err_resp}.
     */
    public static Map<String, String> youzanTrades(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "youzan/youzan.trades.sold.get");
        o.put("url", baseUrl + "/api/youzan.trades.sold.get/4.0.4");
        o.put("request.method", "POST");
        o.put("request.body.kind", "json");
        o.put("request.param.access_token", "${token}");
        o.put(
                "request.body.template",
                "{\"start_update\":\"${window.start}\",\"end_update\":\"${window.end}\","
                        + "\"page_no\":${page},\"page_size\":${pageSize}}");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put("window.end-inclusive", "true"); // [U]
        o.put("query.time-field", "update");
        o.put("sort", "desc"); // [U]
        o.put("window.max-width", "90 d");
        o.put("pagination.style", "page");
        o.put("pagination.start-page", "1");
        o.put("pagination.page-size", "100");
        o.put("pagination.max-page-size", "100");
        o.put("pagination.max-pages", "100");
        o.put("pagination.max-records", "3200");
        o.put("response.records-path", "/data/full_order_info_list");
        o.put("response.total-path", "/data/total_results");
        o.put("response.error-code-path", "/gw_err_resp/err_code;/code");
        o.put("response.error-message-path", "/gw_err_resp/err_msg;/message");
        o.put("response.record.id-path", "/full_order_info/order_info/tid");
        o.put("response.record.time-path", "/full_order_info/order_info/update_time");
        o.put("error.success-codes", "200");
        o.put("auth.token.url", baseUrl + "/auth/token");
        o.put("auth.token.method", "POST");
        o.put("auth.token.body.kind", "json");
        o.put(
                "auth.token.body.template",
                "{\"client_id\":\"${tenant.client-id}\",\"client_secret\":\"${tenant.client-secret}\","
                        + "\"authorize_type\":\"silent\",\"grant_id\":\"${tenant.grant-id}\",\"refresh\":false}");
        o.put("auth.token.path", "/data/access_token");
        o.put("auth.token.expires-in-path", "/data/expires");
        o.put("auth.token.expires-in-unit", "epoch-millis");
        o.put("rate-limit.permits-per-second", "10");
        return o;
    }

    // ---------------------------------------------------------------- contacts (WeCom, DingTalk,
    // Feishu)
    //
    // The platforms' contacts list APIs (departments, users): URL, token endpoint, paging, where
    // the
    // records are, how errors and rate limiting look, and the documented limits as rate-limit
    // buckets: per corp (and API), and per egress IP shared by all corps (DingTalk's 10,000 per
    // 20 s over all APIs, WeCom's per API; a Feishu app's limits are per corp here, each corp
    // having
    // its own app). None of these APIs lists by time, so the time window is not used; the
    // department or user a request is about comes in as a tenant property (${tenant.dept},
    // ${tenant.user}) of a per-request copy of the corp's tenant, which keeps the corp's id, so the
    // corp's token and limits are shared by all of its requests. Tenant properties: app-key (WeCom
    // corpid, DingTalk appkey, Feishu app_id) and app-secret. An API answered in one page (WeCom's
    // lists, DingTalk's listsub and detail APIs) is described as cursor paging whose cursor never
    // appears (SINGLE_PAGE), so it ends after the first page. The contacts sync
    // (httpsync-contacts) reads its endpoints from here.

    public static final String WECOM_GATEWAY = "https://qyapi.weixin.qq.com";
    public static final String DINGTALK_GATEWAY = "https://oapi.dingtalk.com";
    public static final String FEISHU_GATEWAY = "https://open.feishu.cn";

    /**
     * The pointer of a cursor that a single-page answer never has: cursor paging with it ends after
     * the first page.
     */
    public static final String SINGLE_PAGE = "/single-page-answer-has-no-cursor";

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
        o.put("rate-limit.bucket.corp-minute.scope", "tenant-api");
        o.put("rate-limit.bucket.corp-minute.permits", "10000");
        o.put("rate-limit.bucket.corp-minute.period", "minute");
        o.put("rate-limit.bucket.corp-minute.burst", "200");
        o.put("rate-limit.bucket.corp-hour.scope", "tenant-api");
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
        // for 5 minutes); token requests count there too (the contacts sync budgets them in it)
        o.put("rate-limit.bucket.ip.scope", "ip");
        o.put("rate-limit.bucket.ip.permits", "10000");
        o.put("rate-limit.bucket.ip.period", "20 s");
        o.put("rate-limit.bucket.ip.burst", "100");
        // per corp's app and API 40 a second
        o.put("rate-limit.bucket.corp-api.scope", "tenant-api");
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
        o.put("rate-limit.bucket.second.scope", "tenant-api");
        o.put("rate-limit.bucket.second.permits", "50");
        o.put("rate-limit.bucket.second.period", "second");
        o.put("rate-limit.bucket.second.burst", "10");
        o.put("rate-limit.bucket.minute.scope", "tenant-api");
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

    /** Ekuaibao {@code docs/getApplyList} (expense flows) at the official gateway. */
    public static Map<String, String> ekuaibaoFlows() {
        return ekuaibaoFlows(EKUAIBAO_GATEWAY);
    }

    /**
     * Ekuaibao (易快报) {@code GET /api/openapi/v1.1/docs/getApplyList}: the expense flows updated in
     * a window ({@code orderBy=updateTime}, {@code startDate}/{@code endDate} as {@code yyyy-MM-dd
     * HH:mm:ss}), newest first, at an offset ({@code start}, {@code count} at most 100) with the
     * query's total in {@code count} (which stays above zero on a page past the end, so paging ends
     * by the total, not by it reaching zero); the token from {@code POST
     * /api/openapi/v1/auth/getAccessToken} with {@code appKey} and {@code appSecurity}, expiring at
     * an epoch-millis {@code expireTime}; an expired token answers HTTP 403.
     *
     * <p>Tenant properties: {@code app-key}, {@code app-secret} (the app security).
     *
     * @param baseUrl the gateway, e.g. a simulator's {@code http://127.0.0.1:PORT/ekuaibao}
     */
    public static Map<String, String> ekuaibaoFlows(String baseUrl) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "ekuaibao/docs.getApplyList");
        o.put("url", baseUrl + "/api/openapi/v1.1/docs/getApplyList");
        o.put("request.method", "GET");
        o.put("request.param.accessToken", "${token}");
        o.put("request.param.type", "expense");
        o.put("request.param.orderBy", "updateTime");
        o.put("request.param.orderByType", "desc");
        o.put("request.param.startDate", "${window.start}");
        o.put("request.param.endDate", "${window.end}");
        o.put("request.param.start", "${offset}");
        o.put("request.param.count", "${pageSize}");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put("window.end-inclusive", "true"); // [U]
        o.put("query.time-field", "update");
        o.put("sort", "desc");
        o.put("pagination.style", "offset");
        o.put("pagination.page-size", "100");
        o.put("pagination.max-page-size", "100");
        o.put("response.records-path", "/items");
        o.put("response.total-path", "/count");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/updateTime");
        o.put("response.record.time-format", "epoch-millis");
        // [U] the error body's shape; the status decides
        o.put("response.error-code-path", "/errorCode");
        o.put("response.error-message-path", "/errorMessage");
        o.put("error.token-expired-statuses", "401;403");
        o.put("auth.token.url", baseUrl + "/api/openapi/v1/auth/getAccessToken");
        o.put("auth.token.method", "POST");
        o.put("auth.token.body.kind", "json");
        o.put(
                "auth.token.body.template",
                "{\"appKey\":\"${tenant.app-key}\",\"appSecurity\":\"${tenant.app-secret}\"}");
        o.put("auth.token.path", "/value/accessToken");
        o.put("auth.token.expires-in-path", "/value/expireTime");
        o.put("auth.token.expires-in-unit", "epoch-millis");
        o.put("rate-limit.permits-per-second", "20"); // [U]
        return o;
    }

    /** JD Union {@code jd.union.open.order.row.query} at JD's router. */
    public static Map<String, String> jdUnionOrderRows() {
        return jdUnionOrderRows(JD_ROUTER);
    }

    /**
     * JD Union {@code jd.union.open.order.row.query} by update time ({@code type} 3): POST form to
     * {@code /routerjson}, the business parameters in the {@code 360buy_param_json} JSON, signed
     * like TOP's MD5 ({@code top-md5}). The answer carries its payload as a JSON string in {@code
     * queryResult}, decoded with {@code response.json-string-paths}, so the rows ({@code data}),
     * the end flag ({@code hasMore}) and the API's own {@code code} and {@code message} are read
     * inside it; the router's refusals come in {@code error_response}.
     *
     * <p>The API pages by page index with {@code hasMore} and offers neither a total nor a cursor,
     * so paging forward loses rows that shift onto pages already read when rows of the window
     * change meanwhile. So each window is read in one request ({@code pagination.max-pages = 1}):
     * when {@code hasMore} says the window holds more, the rows of that page are emitted and the
     * rest of the window is planned again as narrower windows, each read from its first page. Every
     * row is then read by a query whose first page is complete at the moment it is served, at the
     * cost of about one request more per page.
     *
     * @param baseUrl the router, e.g. a simulator's {@code http://127.0.0.1:PORT/jdunion}
     */
    public static Map<String, String> jdUnionOrderRows(String baseUrl) {
        String response = "/jd_union_open_order_row_query_responce";
        String result = response + "/queryResult";
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", "jdunion/jd.union.open.order.row.query");
        o.put("url", baseUrl + "/routerjson");
        o.put("request.method", "POST");
        o.put("request.body.kind", "form");
        o.put("request.param.method", "jd.union.open.order.row.query");
        o.put("request.param.app_key", "${tenant.app-key}");
        o.put("request.param.timestamp", "${now}");
        o.put("request.param.format", "json");
        o.put("request.param.v", "1.0");
        o.put("request.biz-param.name", "360buy_param_json");
        o.put(
                "request.biz-param.template",
                "{\"orderReq\":{\"startTime\":\"${window.start}\",\"endTime\":\"${window.end}\","
                        + "\"pageIndex\":${page},\"pageSize\":${pageSize},\"type\":3}}");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put("window.end-inclusive", "true"); // [U]
        o.put("query.time-field", "update");
        o.put("sort", "desc"); // [U]
        o.put("window.max-width", "1 h");
        o.put("pagination.style", "page");
        o.put("pagination.start-page", "1");
        o.put("pagination.page-size", "200");
        o.put("pagination.max-page-size", "200");
        o.put("pagination.max-pages", "1"); // see the javadoc: no total, no cursor
        o.put("response.json-string-paths", result);
        o.put("response.records-path", result + "/data");
        o.put("response.records-may-be-absent", "true"); // [U] 'data' is left out of an empty page
        o.put("response.has-next-path", result + "/hasMore");
        o.put(
                "response.error-code-path",
                result + "/code;" + response + "/code;/error_response/code");
        o.put(
                "response.error-message-path",
                result + "/message;/error_response/zh_desc;/error_response/en_desc");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/modifyTime");
        o.put("error.success-codes", "0;200");
        o.put(
                "error.rate-limited-codes",
                "429"); // [U] the simulator's code; JD documents none here
        o.put("auth.signer", "top-md5");
        o.put("auth.signer.secret-property", "app-secret");
        o.put("rate-limit.permits-per-second", "10"); // [U]
        return o;
    }
}
