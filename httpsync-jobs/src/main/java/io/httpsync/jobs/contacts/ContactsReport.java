package io.httpsync.jobs.contacts;

import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.SyncReport;
import org.apache.flink.annotation.Internal;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * What the contacts commands print: a progress bar per corp (in tenths, as progress only grows), a line per corp and
 * run, and the closing line a script reads:
 * {@code CONTACTS RESULT: corps=<n> departments=<n> employees=<n> missing=<n> wrong=<n> violations=<n> cycles=<n>}.
 * Not thread-safe except {@link #progress}, which corps' threads call.
 */
@Internal
final class ContactsReport {
    private final PrintStream out;
    private final Map<String, Integer> shownTenths = new HashMap<>();
    int corps;
    int departments;
    int employees;
    int missing;
    int wrong;
    int violations;
    int cycles;
    int notOk;

    ContactsReport(PrintStream out) {
        this.out = out;
    }

    /** A progress listener drawing {@code [#####.....]} per corp whenever another tenth is done. */
    ContactsWriter.ProgressListener progress() {
        return (corp, done, total) -> {
            int tenths = total == 0 ? 10 : done * 10 / total;
            synchronized (this) {
                if (shownTenths.getOrDefault(corp, -1) >= tenths) return;
                shownTenths.put(corp, tenths);
                out.printf("  %-24s [%s%s] %3d%% (%d/%d)%n", corp, "#".repeat(tenths), ".".repeat(10 - tenths), done * 100 / Math.max(1, total), done, total);
            }
        };
    }

    /** Adds one corp's outcome, compared with what the tables should hold (null if its directory is unknown). */
    void add(ContactsSync.Outcome o, DirectoryComparison comparison) {
        shownTenths.remove(o.corp().corpId());
        SyncReport r = o.report();
        out.printf("corp %s (%s): %s created=%d updated=%d unchanged=%d deleted=%d degraded=%d cycles=%d violations=%d in %d ms%s%n",
                r.corpId(), o.corp().platform().id(), r.status(), r.created(), r.updated(), r.unchanged(), r.deleted(), r.degraded(),
                r.cycles(), r.violations(), r.elapsedMillis(), r.message() == null ? "" : " - " + r.message());
        violations += r.violations();
        cycles += r.cycles();
        if (r.status() != SyncReport.Status.OK) notOk++;
        if (comparison != null) {
            if (!comparison.equal()) out.println("  differs from what it should be: " + comparison.examples());
            missing += comparison.missing();
            wrong += comparison.wrong();
        }
    }

    /** The totals of the last run's directories. */
    void totals(int corps, int departments, int employees) {
        this.corps = corps;
        this.departments = departments;
        this.employees = employees;
    }

    /** Prints the closing line; true if nothing is missing or wrong, no constraint was violated, and every corp ran. */
    boolean finish() {
        out.printf("CONTACTS RESULT: corps=%d departments=%d employees=%d missing=%d wrong=%d violations=%d cycles=%d%n",
                corps, departments, employees, missing, wrong, violations, cycles);
        return missing == 0 && wrong == 0 && violations == 0 && notOk == 0;
    }
}
