package io.httpsync.jobs.contacts;

import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.model.CorpDirectory;
import org.apache.flink.annotation.Internal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * {@code contacts --config contacts.properties}: one contacts sync run of the corps a file describes (see
 * {@link ContactsSync}), then a check of the tables against the directories fetched. Stateless.
 */
@Internal
public final class ContactsCommand {
    private ContactsCommand() {}

    /** Runs it; true if every corp landed completely and equal to what was fetched, with no constraint violated. */
    public static boolean run(Path config, PrintStream out) throws Exception {
        try (ContactsSync sync = ContactsSync.fromFile(config)) {
            sync.createTables();
            ContactsReport report = new ContactsReport(out);
            String runId = "run-" + Instant.now();
            out.println("contacts sync " + runId + " of " + sync.corps().size() + " corps");
            List<ContactsSync.Outcome> outcomes = sync.run(runId, report.progress());
            int departments = 0;
            int employees = 0;
            for (ContactsSync.Outcome o : outcomes) {
                CorpDirectory fetched = o.fetched();
                DirectoryComparison c = fetched == null ? null : DirectoryComparison.compare(fetched, sync.stored(o.corp().corpId()));
                if (fetched != null) {
                    departments += fetched.departments().size();
                    employees += fetched.employees().size();
                }
                report.add(o, c);
            }
            report.totals(outcomes.size(), departments, employees);
            return report.finish();
        }
    }
}
