package io.httpsync.jobs.contacts;

import io.httpsync.contacts.job.CorpRunFunction;

import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The live progress bar of the contacts commands: {@code [#####.....]} per corp whenever another
 * tenth of its run is done, on standard output. It travels in the job graph to the operator running
 * the corps, which in the commands' local Flink is in this JVM (on a cluster it would print to the
 * TaskManagers' standard output, so the commands do not give it there). A run of the corp that
 * starts lower than the last one was starts a new bar.
 *
 * <p>Thread contract: called from the threads running corps; synchronized.
 */
@Internal
final class ConsoleProgress implements CorpRunFunction.Progress {
    private static final long serialVersionUID = 1L;
    private transient Map<String, int[]> shown;

    @Override
    public synchronized void onProgress(String corp, int done, int total) {
        if (shown == null) shown = new HashMap<>();
        int tenths = total == 0 ? 10 : done * 10 / total;
        int[] last = shown.computeIfAbsent(corp, k -> new int[] {-1, -1}); // tenths shown, done
        if (done < last[1]) last[0] = -1;
        last[1] = done;
        if (last[0] >= tenths) return;
        last[0] = tenths;
        System.out.printf(
                "  %-24s [%s%s] %3d%% (%d/%d)%n",
                corp,
                "#".repeat(tenths),
                ".".repeat(10 - tenths),
                done * 100 / Math.max(1, total),
                done,
                total);
    }
}
