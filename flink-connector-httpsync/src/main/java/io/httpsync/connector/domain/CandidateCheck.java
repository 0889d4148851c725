package io.httpsync.connector.domain;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * Asks the platform, record by record, whether the rows a full pass did not see are gone: the step
 * that makes {@code DeletionMarker} never mark a live record (see its javadoc for why no listing
 * can prove it). The usual implementation is {@code DetailApiCheck}, one request to the platform's
 * detail API per row.
 *
 * <p>Only an answer that the record does not exist counts: an id for which the platform answered
 * anything else (the record, an error, a timeout) is not in the result, so its row stays live.
 * Called from the thread that completes the pass (a pass's driver, or the task thread of {@code
 * RunningFullPass}); may block until the answers are in.
 */
@PublicEvolving
@FunctionalInterface
public interface CandidateCheck extends Serializable {
    /**
     * The ids, of {@code ids}, that the platform answered do not exist (now) for {@code tenant}.
     */
    Set<String> gone(String tenant, List<String> ids) throws Exception;

    /**
     * {@link #gone}, with a failure of the check itself as an {@link SQLException} naming {@code
     * what} was being completed.
     */
    static Set<String> ask(CandidateCheck check, String tenant, List<String> ids, String what)
            throws SQLException {
        try {
            return check.gone(tenant, ids);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException(
                    what
                            + ": checking "
                            + ids.size()
                            + " unseen rows of tenant "
                            + tenant
                            + " against the platform failed: "
                            + e.getMessage(),
                    e);
        }
    }
}
