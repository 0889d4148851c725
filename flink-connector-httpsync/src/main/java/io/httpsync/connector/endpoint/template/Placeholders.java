package io.httpsync.connector.endpoint.template;

import io.httpsync.connector.endpoint.PaginationStyle;

import org.apache.flink.annotation.Internal;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The template language's placeholder names and where each may be used. The list request sees the
 * window, the paging position, the token, the tenant and the clock; a token request sees only the
 * tenant, the clock and the values of earlier steps of its login.
 */
@Internal
public final class Placeholders {
    /** The window's start, in {@code time.format} and {@code time.zone}. */
    public static final String WINDOW_START = "window.start";

    /** The window's end (exclusive; minus one time unit with {@code window.end-inclusive}). */
    public static final String WINDOW_END = "window.end";

    public static final String PAGE = "page";
    public static final String OFFSET = "offset";
    public static final String PAGE_SIZE = "pageSize";

    /** The cursor of the previous page; empty on the first call. */
    public static final String CURSOR = "cursor";

    /**
     * The time of the last record read, in {@code time.format}; the window boundary on the first
     * call.
     */
    public static final String KEYSET_TIME = "keyset.time";

    /** The id of the last record read; empty on the first call. */
    public static final String KEYSET_ID = "keyset.id";

    public static final String TOKEN = "token";
    public static final String TENANT_ID = "tenant.id";

    /**
     * {@code ${tenant.<property>}}: a property of the tenant (app key, shop id, secrets for token
     * requests).
     */
    public static final String TENANT_PREFIX = "tenant.";

    /**
     * {@code ${step.<step>.<value>}}: a value read from the answer of an earlier step of a login in
     * several requests ({@code auth.token.step.<step>.path.<value>}); token requests only.
     */
    public static final String STEP_PREFIX = "step.";

    /** The current time in {@code time.format}. */
    public static final String NOW = "now";

    public static final String NOW_EPOCH_MILLIS = "now.epoch-millis";
    public static final String NOW_EPOCH_SECONDS = "now.epoch-seconds";

    /** Where a template is rendered. */
    public enum Scope {
        LIST_REQUEST,
        TOKEN_REQUEST
    }

    private static final Set<String> ALWAYS =
            Set.of(TENANT_ID, NOW, NOW_EPOCH_MILLIS, NOW_EPOCH_SECONDS);
    private static final Set<String> LIST_ONLY = Set.of(WINDOW_START, WINDOW_END, TOKEN);
    private static final List<String> ALL =
            List.of(
                    WINDOW_START,
                    WINDOW_END,
                    PAGE,
                    OFFSET,
                    PAGE_SIZE,
                    CURSOR,
                    KEYSET_TIME,
                    KEYSET_ID,
                    TOKEN,
                    TENANT_ID,
                    "tenant.<property>",
                    "step.<step>.<value>",
                    NOW,
                    NOW_EPOCH_MILLIS,
                    NOW_EPOCH_SECONDS);

    private Placeholders() {}

    /**
     * Why {@code name} cannot be used in {@code scope} with this pagination style, or null if it
     * can.
     */
    public static String problem(String name, Scope scope, PaginationStyle style) {
        if (ALWAYS.contains(name)) return null;
        if (name.startsWith(TENANT_PREFIX) && name.length() > TENANT_PREFIX.length()) return null;
        if (name.startsWith(STEP_PREFIX)) {
            // which steps and values exist is checked where the steps are read
            return scope == Scope.TOKEN_REQUEST
                    ? null
                    : "placeholder ${"
                            + name
                            + "} is only available in a token request (a value of an earlier step of"
                            + " 'auth.token.steps')";
        }
        if (LIST_ONLY.contains(name)) {
            return scope == Scope.LIST_REQUEST
                    ? null
                    : "placeholder ${" + name + "} is not available in a token request";
        }
        Set<PaginationStyle> styles = stylesFilling(name);
        if (styles.isEmpty()) return "unknown placeholder ${" + name + "}; known are " + ALL;
        if (scope == Scope.TOKEN_REQUEST)
            return "placeholder ${" + name + "} is not available in a token request";
        if (!styles.contains(style)) {
            return "placeholder ${"
                    + name
                    + "} is not available with pagination.style '"
                    + style.optionValue()
                    + "' (only with "
                    + styles.stream().map(PaginationStyle::optionValue).toList()
                    + ")";
        }
        return null;
    }

    /**
     * The paging styles that fill the placeholder: {@code ${pageSize}} every style, the others as
     * each declares.
     */
    private static Set<PaginationStyle> stylesFilling(String name) {
        Set<PaginationStyle> styles = EnumSet.noneOf(PaginationStyle.class);
        for (PaginationStyle style : PaginationStyle.values()) {
            if (name.equals(PAGE_SIZE) || style.paging().placeholders().contains(name))
                styles.add(style);
        }
        return styles;
    }

    /**
     * Whether the placeholder's value is text that must stand inside a JSON string literal. Times
     * are text when the time format is a pattern.
     */
    public static boolean isText(String name, boolean timesAreEpochNumbers) {
        return switch (name) {
            case CURSOR, TOKEN, KEYSET_ID -> true;
            case WINDOW_START, WINDOW_END, KEYSET_TIME, NOW -> !timesAreEpochNumbers;
            default -> false;
        };
    }
}
