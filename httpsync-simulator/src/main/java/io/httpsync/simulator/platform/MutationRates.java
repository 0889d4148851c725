package io.httpsync.simulator.platform;

/**
 * How a live shop changes: updates (a record moves to a newer update time), inserts and deletes,
 * per second in the background, or per served list page (which makes the platforms' page shifting
 * happen on every page).
 */
public record MutationRates(double updates, double inserts, double deletes) {
    public static final MutationRates NONE = new MutationRates(0, 0, 0);

    public MutationRates {
        if (updates < 0 || inserts < 0 || deletes < 0)
            throw new IllegalArgumentException("mutation rates must be >= 0: " + this);
    }

    public boolean isNone() {
        return updates == 0 && inserts == 0 && deletes == 0;
    }
}
