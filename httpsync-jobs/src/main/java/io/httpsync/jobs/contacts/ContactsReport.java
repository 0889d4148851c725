package io.httpsync.jobs.contacts;

import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.job.CorpRunOutcome;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.PrintStream;

/**
 * What the contacts commands print besides the progress bars ({@link ConsoleProgress}): a line per
 * corp and run, and the closing line a script reads: {@code CONTACTS RESULT: corps=<n>
 * departments=<n> employees=<n> missing=<n> wrong=<n> violations=<n> cycles=<n>}. Not thread-safe:
 * the command's thread reads the job's outcomes and adds them.
 */
@Internal
final class ContactsReport {
    private final PrintStream out;
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

    /**
     * Adds one corp's outcome, with how the tables compare with what they should hold: {@code
     * comparison} if given, else the outcome's own check against what was fetched ({@code
     * contacts.verify}).
     */
    void add(CorpRunOutcome o, @Nullable DirectoryComparison comparison) {
        out.println(line(o, comparison == null));
        violations += o.violations();
        cycles += o.cycles();
        if (o.status() != CorpRunOutcome.Status.OK) notOk++;
        if (comparison != null) {
            if (!comparison.equal())
                out.println("  differs from what it should be: " + comparison.examples());
            missing += comparison.missing();
            wrong += comparison.wrong();
        } else if (o.missing() >= 0) {
            missing += o.missing();
            wrong += o.wrong();
        }
    }

    /**
     * A corp run in a line, and if {@code verified}, a second one when the tables differ from what
     * was fetched.
     */
    static String line(CorpRunOutcome o, boolean verified) {
        String line =
                String.format(
                        "corp %s (%s): %s created=%d updated=%d unchanged=%d deleted=%d degraded=%d cycles=%d violations=%d "
                                + "requests=%d hashes-compared=%d rows-written=%d in %d ms%s",
                        o.corpId(),
                        o.platform(),
                        o.status(),
                        o.created(),
                        o.updated(),
                        o.unchanged(),
                        o.deleted(),
                        o.degraded(),
                        o.cycles(),
                        o.violations(),
                        o.requests(),
                        o.hashesCompared(),
                        o.rowsWritten(),
                        o.elapsedMillis(),
                        o.message() == null ? "" : " - " + o.message());
        return verified && o.missing() + o.wrong() > 0
                ? line
                        + System.lineSeparator()
                        + "  differs from what was fetched: missing="
                        + o.missing()
                        + " wrong="
                        + o.wrong()
                : line;
    }

    /** The totals of the last run's directories. */
    void totals(int corps, int departments, int employees) {
        this.corps = corps;
        this.departments = departments;
        this.employees = employees;
    }

    /**
     * Prints the closing line; true if nothing is missing or wrong, no constraint was violated, and
     * every corp ran.
     */
    boolean finish() {
        out.printf(
                "CONTACTS RESULT: corps=%d departments=%d employees=%d missing=%d wrong=%d violations=%d cycles=%d%n",
                corps, departments, employees, missing, wrong, violations, cycles);
        return missing == 0 && wrong == 0 && violations == 0 && notOk == 0;
    }
}
