package io.httpsync.simulator.platform;

import java.math.BigDecimal;

/** Amounts in yuan as the platforms render them: two decimals, as text (Taobao, Youzan) or as a JSON number (Jushuitan). */
public final class Yuan {
    private Yuan() {}

    public static String text(long cents) {
        return decimal(cents).toPlainString();
    }

    public static BigDecimal decimal(long cents) {
        return BigDecimal.valueOf(cents, 2);
    }
}
