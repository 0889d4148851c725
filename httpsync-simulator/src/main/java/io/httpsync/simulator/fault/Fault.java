package io.httpsync.simulator.fault;

/** What can go wrong with one request, beyond the platform's documented errors. */
public enum Fault {
    /** HTTP 502/503 with an HTML body, as a gateway in trouble answers. */
    SERVER_ERROR,
    /**
     * No answer within the client's patience: the response is held back for the configured timeout
     * delay.
     */
    TIMEOUT,
    /** A 200 whose JSON body is cut off in the middle. */
    MALFORMED_JSON,
    /** A 200 with an HTML page instead of JSON (a login or maintenance page). */
    HTML_PAGE,
    /**
     * A correct page whose total (record count, page count) is wrong; platforms without totals
     * ignore it.
     */
    LYING_TOTAL,
    /**
     * The tenant's access token dies before its time (WeCom's early invalidation) just before this
     * request.
     */
    TOKEN_EXPIRED
}
