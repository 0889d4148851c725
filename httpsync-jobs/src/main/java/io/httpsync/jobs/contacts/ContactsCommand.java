package io.httpsync.jobs.contacts;

import io.httpsync.contacts.job.ContactsJob;
import io.httpsync.contacts.job.CorpRunFunction;
import io.httpsync.contacts.job.CorpRunOutcome;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code contacts --config contacts.properties}: the contacts job of the corps a file describes
 * ({@link ContactsJob}): bounded (each corp once) or, with {@code contacts.mode = continuous}, each
 * corp again every {@code contacts.interval}. Outside a cluster it runs in a local Flink, drawing a
 * progress bar per corp and printing a line per corp run, each run checked against the directory it
 * fetched ({@code contacts.verify}, on by default here); a bounded run ends with the {@code
 * CONTACTS RESULT} line. Submitted with {@code flink run}, the job runs on the cluster: the
 * outcomes go to the TaskManagers' logs, the run table and the events table, the progress to the
 * operator's metrics. Stateless.
 */
@Internal
public final class ContactsCommand {
    private ContactsCommand() {}

    /**
     * Runs it; true if every corp landed completely and equal to what was fetched, with no
     * constraint violated (on a cluster: if the job ended, or was submitted detached).
     */
    public static boolean run(Path config, PrintStream out) throws Exception {
        ContactsJob job = ContactsJob.fromFile(config, Map.of("contacts.verify", "true"));
        job.createTables();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        boolean local = env instanceof LocalStreamEnvironment;
        DataStream<CorpRunOutcome> outcomes =
                job.addTo(env, local ? new ConsoleProgress() : CorpRunFunction.Progress.NONE);
        if (!local) {
            JobExecutionResult result = env.execute(job.jobName());
            out.println(
                    job.jobName()
                            + ": job "
                            + result.getJobID()
                            + (result.isJobExecutionResult() ? " ended" : " submitted"));
            return true;
        }
        if (job.continuous()) {
            // collecting would show each outcome only after the next checkpoint: the operator's
            // standard output, which
            // is this process's in a local Flink, shows them as they come
            out.println(job.jobName() + " in a local Flink (stop it with Ctrl-C)");
            outcomes.map(o -> ContactsReport.line(o, true))
                    .returns(Types.STRING)
                    .uid("contacts-outcome-lines")
                    .name("contacts outcome lines")
                    .print()
                    .uid("contacts-outcomes-print")
                    .name("contacts outcomes -> stdout")
                    .setParallelism(1);
            env.execute(job.jobName());
            return true;
        }
        out.println(job.jobName() + " in a local Flink");
        return collect(outcomes, job.jobName(), new ContactsReport(out));
    }

    /**
     * Runs the job, adds each outcome to the report as it comes, and finishes the report once the
     * job ends.
     */
    static boolean collect(
            DataStream<CorpRunOutcome> outcomes, String jobName, ContactsReport report)
            throws Exception {
        int corps = 0;
        int departments = 0;
        int employees = 0;
        try (CloseableIterator<CorpRunOutcome> it = outcomes.executeAndCollect(jobName)) {
            while (it.hasNext()) {
                CorpRunOutcome o = it.next();
                report.add(o, null);
                corps++;
                departments += o.departments();
                employees += o.employees();
            }
        }
        report.totals(corps, departments, employees);
        return report.finish();
    }
}
