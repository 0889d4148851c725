package io.httpsync.simulator.limit;

/** What a limit counts per: the dimensions the platforms document. */
public enum LimitScope {
    /** One counter per API across all apps and tenants (the platform's own capacity). */
    API,
    /** One counter per app across all APIs and tenants. */
    APP,
    /** One counter per app and API. */
    APP_API,
    /** One counter per tenant (shop, corp) across APIs. */
    TENANT,
    /** One counter per tenant and API (WeCom: each corp, each cgi). */
    TENANT_API,
    /** One counter per calling IP across all APIs (DingTalk). */
    IP,
    /** One counter per calling IP and API (WeCom). */
    IP_API;

    String key(String app, String tenant, String api, String ip) {
        return switch (this) {
            case API -> api;
            case APP -> app;
            case APP_API -> app + "/" + api;
            case TENANT -> tenant;
            case TENANT_API -> tenant + "/" + api;
            case IP -> ip;
            case IP_API -> ip + "/" + api;
        };
    }
}
