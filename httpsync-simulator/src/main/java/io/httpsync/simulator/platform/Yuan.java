package io.httpsync.simulator.platform;

import java.math.BigDecimal;

/**
 * Amounts in yuan as the platforms render them: two decimals as text (Taobao, Youzan), or a JSON
 * number (Jushuitan).
 */
public final class Yuan {
    private Yuan() {}

    public static String text(long cents) {
        return BigDecimal.valueOf(cents, 2).toPlainString();
    }

    /**
     * As a JSON number. A double, not a BigDecimal: a client parses {@code 12.50} back as the
     * double 12.5, and the ground truth must hash the same as what the client received.
     */
    public static double number(long cents) {
        return BigDecimal.valueOf(cents, 2).doubleValue();
    }
}
