package io.httpsync.jobs.pipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The windows named by the exception events stored in a table ({@code ExceptionEventJdbcSink}):
 * what the replay command re-syncs, and, once it has, forgets. Windows of one tenant that overlap
 * or touch are merged, so a record is fetched once per replay. Events that name no window (a
 * refused deletion pass) are ignored.
 */
public final class FailedWindows {
    /** {@code [start, end)} of one tenant, epoch millis. */
    public record Window(String tenant, long start, long end) {}

    private FailedWindows() {}

    /**
     * The failed windows of {@code tenants} recorded at or before {@code asOfMillis}, merged per
     * tenant.
     */
    public static List<Window> read(
            Connection c, String eventsTable, Collection<String> tenants, long asOfMillis)
            throws SQLException {
        List<Window> merged = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT DISTINCT tenant, window_start, window_end FROM "
                                + eventsTable
                                + " WHERE window_start > ? AND window_end > window_start AND event_time <= ? ORDER BY tenant, window_start, window_end")) {
            ps.setLong(1, Long.MIN_VALUE);
            ps.setLong(2, asOfMillis);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Window w = new Window(rs.getString(1), rs.getLong(2), rs.getLong(3));
                    if (!tenants.contains(w.tenant())) continue;
                    Window last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
                    if (last != null
                            && last.tenant().equals(w.tenant())
                            && w.start() <= last.end()) {
                        merged.set(
                                merged.size() - 1,
                                new Window(
                                        last.tenant(),
                                        last.start(),
                                        Math.max(last.end(), w.end())));
                    } else {
                        merged.add(w);
                    }
                }
            }
        }
        return merged;
    }

    /**
     * Deletes the events of {@code windows} recorded at or before {@code asOfMillis}: they have
     * been re-synced.
     */
    public static int forget(
            Connection c, String eventsTable, List<Window> windows, long asOfMillis)
            throws SQLException {
        int deleted = 0;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "DELETE FROM "
                                + eventsTable
                                + " WHERE tenant = ? AND window_start >= ? AND window_end <= ? AND event_time <= ?")) {
            for (Window w : windows) {
                ps.setString(1, w.tenant());
                ps.setLong(2, w.start());
                ps.setLong(3, w.end());
                ps.setLong(4, asOfMillis);
                deleted += ps.executeUpdate();
            }
        }
        return deleted;
    }
}
