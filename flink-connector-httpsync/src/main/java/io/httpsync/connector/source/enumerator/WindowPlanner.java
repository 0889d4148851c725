package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Cuts the update-time axis of a {@link SyncPlan} into windows, and cuts a hot window into smaller
 * ones.
 *
 * <p>Pure functions of the plan, no state: the enumerator owns where planning stands.
 *
 * <p>Invariants of everything it returns:
 *
 * <ul>
 *   <li>Consecutive windows share their boundary: no gap, no overlap.
 *   <li>No window is wider than the plan's step, hence than the platform's maximum window width.
 *   <li>Every boundary is a multiple of the plan's time resolution (the plan aligns start and end).
 *   <li>Hot-window splitting: the covered part and the pieces together are exactly the reported
 *       window.
 * </ul>
 *
 * <p><b>Hot windows.</b> A window reported too large loses its covered part (the records the reader
 * already emitted, which is committed like a finished window) and the rest is halved at a
 * resolution boundary, as long as both halves are at least {@code minWindowWidth} wide. Each half
 * can be reported too large again, so the splitting recurses as the reports arrive. A rest that
 * cannot be halved any more is handed out once more as a single <em>unsplittable</em> window (see
 * {@link WindowSplit#isUnsplittable()}): the reader reads it up to the platform's cap and raises an
 * exception event for the records beyond, so the loss is visible instead of silent.
 */
@Internal
public final class WindowPlanner {

    /** A window read too early is re-planned in at most this many pieces. */
    static final int MAX_EARLY_PIECES = 64;

    private final SyncPlan plan;

    public WindowPlanner(SyncPlan plan) {
        this.plan = checkNotNull(plan, "plan");
    }

    /**
     * Where planning may go at {@code nowMillis} (the platform's "now", see {@link
     * PlatformClockTracker}): the bounded end, or {@code now - lag} at the time resolution.
     */
    public long horizonAt(long nowMillis) {
        return plan.isBounded() ? plan.endMillis() : plan.alignDown(nowMillis - plan.lagMillis());
    }

    /**
     * The window starting at {@code fromMillis}, at most one step wide and ending at the latest at
     * the horizon.
     *
     * <p>No window narrower than {@code minWindowWidth} is planned where it can be avoided: some
     * platforms refuse windows that are too narrow for their time format (an inclusive end one
     * second after the start is no range at all). So continuous mode waits until the horizon has
     * moved at least that far, and neither mode leaves a sliver narrower than that before the
     * horizon: the last two windows share the rest instead. Only a bounded range that is itself
     * narrower than the minimum width gives a narrower window.
     */
    @Nullable
    public WindowSplit nextWindow(String tenant, long fromMillis, long horizonMillis) {
        return nextWindow(tenant, fromMillis, horizonMillis, Long.MAX_VALUE);
    }

    /**
     * As {@link #nextWindow(String, long, long)}, at most {@code widthMillis} wide (never narrower
     * than the minimum width for that): narrower than the step when more windows are needed to fill
     * the readers' requests in flight.
     */
    @Nullable
    public WindowSplit nextWindow(
            String tenant, long fromMillis, long horizonMillis, long widthMillis) {
        if (!canPlan(fromMillis, horizonMillis)) return null;
        long remaining = horizonMillis - fromMillis;
        long minWidth = plan.minWindowWidthMillis();
        long step =
                Math.min(
                        plan.stepMillis(),
                        Math.max(minWidth, plan.alignDown(Math.max(1, widthMillis))));
        long end = Math.min(fromMillis + step, horizonMillis);
        if (horizonMillis - end > 0 && horizonMillis - end < minWidth) {
            long half = plan.alignDown(fromMillis + remaining / 2);
            end = half - fromMillis >= minWidth ? half : horizonMillis;
        }
        return WindowSplit.of(tenant, fromMillis, end);
    }

    /**
     * Whether {@link #nextWindow} would plan a window from {@code fromMillis}: without making one
     * (the assigner asks this of every tenant at every assignment).
     */
    public boolean canPlan(long fromMillis, long horizonMillis) {
        // also false before the first discovery, when the horizon is Long.MIN_VALUE
        if (fromMillis >= horizonMillis) return false;
        return plan.isBounded() || horizonMillis - fromMillis >= plan.minWindowWidthMillis();
    }

    /** Every window of {@code [fromMillis, horizonMillis)}, oldest first. */
    public List<WindowSplit> windowsBetween(String tenant, long fromMillis, long horizonMillis) {
        List<WindowSplit> windows = new ArrayList<>();
        for (WindowSplit window = nextWindow(tenant, fromMillis, horizonMillis);
                window != null;
                window = nextWindow(tenant, window.endMillis(), horizonMillis)) {
            windows.add(window);
        }
        return windows;
    }

    /**
     * What becomes of a window that a reader reported too large.
     *
     * @param coveredFromMillis the update time from which on the reader emitted every record, or
     *     null if it emitted none
     */
    public HotWindowSplit splitTooLarge(WindowSplit window, @Nullable Long coveredFromMillis) {
        checkArgument(!window.isUnsplittable(), "Window %s is unsplittable", window);
        long remainingEnd = window.endMillis();
        if (coveredFromMillis != null) {
            checkArgument(
                    coveredFromMillis >= window.startMillis()
                            && coveredFromMillis < window.endMillis(),
                    "coveredFromMillis %s lies outside %s",
                    coveredFromMillis,
                    window);
            // Records updated at coveredFrom itself may continue beyond the cap: its whole
            // resolution step remains.
            remainingEnd =
                    Math.min(
                            window.endMillis(),
                            plan.alignDown(coveredFromMillis) + plan.timeResolutionMillis());
        }
        WindowSplit covered =
                remainingEnd < window.endMillis()
                        ? WindowSplit.of(window.tenant(), remainingEnd, window.endMillis())
                        : null;
        return new HotWindowSplit(
                covered, halve(window.tenant(), window.startMillis(), remainingEnd));
    }

    private List<WindowSplit> halve(String tenant, long start, long end) {
        long middle = plan.alignDown(start + (end - start) / 2);
        long minWidth = plan.minWindowWidthMillis();
        if (middle - start >= minWidth && end - middle >= minWidth) {
            return List.of(
                    WindowSplit.of(tenant, start, middle), WindowSplit.of(tenant, middle, end));
        }
        return List.of(WindowSplit.of(tenant, start, end).asUnsplittable());
    }

    /**
     * What becomes of a window read before the platform's clock reached its end plus the lag: the
     * part the platform had passed by the lag when the reading began is read (to be committed); the
     * rest is cut into pieces, each to be read again once the platform's clock has passed its end
     * plus the lag, so that the sync position follows the platform's clock instead of waiting for
     * the whole rest. Pieces are about a discovery interval wide (at least the minimum width, at
     * most {@value #MAX_EARLY_PIECES} of them); a rest narrower than the minimum width takes from
     * the read part, which then may be empty.
     *
     * @param platformReachedMillis the platform's time when the reading began
     */
    public EarlyWindowSplit splitTooEarly(WindowSplit window, long platformReachedMillis) {
        long start = window.startMillis();
        long end = window.endMillis();
        long minWidth = plan.minWindowWidthMillis();
        long passed =
                Math.min(
                        Math.max(start, plan.alignDown(platformReachedMillis - plan.lagMillis())),
                        end);
        if (passed == end) return new EarlyWindowSplit(window.fresh(), List.of());
        if (end - passed < minWidth) passed = Math.max(start, plan.alignDown(end - minWidth));
        WindowSplit read = passed > start ? WindowSplit.of(window.tenant(), start, passed) : null;
        long width =
                Math.max(
                        Math.max(minWidth, alignUp(plan.discoveryIntervalMillis())),
                        alignUp(-Math.floorDiv(-(end - passed), MAX_EARLY_PIECES)));
        List<WindowSplit> pieces = new ArrayList<>();
        for (long from = passed; from < end; ) {
            long to = end - (from + width) < minWidth ? end : from + width;
            pieces.add(WindowSplit.of(window.tenant(), from, to));
            from = to;
        }
        return new EarlyWindowSplit(read, pieces);
    }

    private long alignUp(long millis) {
        long resolution = plan.timeResolutionMillis();
        return -Math.floorDiv(-millis, resolution) * resolution;
    }

    /**
     * The result of splitting a window read too early.
     *
     * @param readPart the part the platform's clock had passed (to be committed), or null
     * @param pieces the rest, oldest first, each to be read once the platform's clock has passed
     *     its end plus the lag
     */
    public record EarlyWindowSplit(@Nullable WindowSplit readPart, List<WindowSplit> pieces) {
        public EarlyWindowSplit {
            pieces = List.copyOf(pieces);
        }
    }

    /**
     * The result of splitting a hot window.
     *
     * @param coveredPart the part whose records the reader already emitted (to be committed), or
     *     null
     * @param pieces the windows that replace the rest, oldest first
     */
    public record HotWindowSplit(@Nullable WindowSplit coveredPart, List<WindowSplit> pieces) {
        public HotWindowSplit {
            pieces = List.copyOf(pieces);
        }
    }
}
