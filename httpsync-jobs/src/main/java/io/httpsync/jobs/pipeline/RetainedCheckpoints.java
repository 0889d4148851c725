package io.httpsync.jobs.pipeline;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the newest complete checkpoint in a checkpoint directory, where Flink keeps each job's
 * checkpoints as {@code <dir>/<job id>/chk-<n>/}, and a checkpoint is complete once its {@code
 * _metadata} is written. A new run of the same job gets a new job id, so the newest checkpoint is
 * the one whose {@code _metadata} was written last (the highest {@code n} breaks a tie). Works on
 * any file system Flink can read (local, or S3/HDFS through their plugins).
 */
@Internal
final class RetainedCheckpoints {
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
    private static final String METADATA = "_metadata";

    private RetainedCheckpoints() {}

    /** The newest complete checkpoint under {@code directory} (a path or URI), if any. */
    static Optional<String> latest(String directory) throws IOException {
        Path root = new Path(directory);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) return Optional.empty();
        Candidate newest = null;
        for (FileStatus job : list(fs, root)) {
            if (!job.isDir()) continue;
            for (FileStatus checkpoint : list(fs, job.getPath())) {
                Matcher m = CHECKPOINT.matcher(checkpoint.getPath().getName());
                if (!checkpoint.isDir() || !m.matches()) continue;
                Path metadata = new Path(checkpoint.getPath(), METADATA);
                // a checkpoint that was still being written when the process died has no _metadata
                if (!fs.exists(metadata)) continue;
                Candidate c =
                        new Candidate(
                                checkpoint.getPath(),
                                fs.getFileStatus(metadata).getModificationTime(),
                                Long.parseLong(m.group(1)));
                if (newest == null || Candidate.ORDER.compare(c, newest) > 0) newest = c;
            }
        }
        return Optional.ofNullable(newest).map(c -> c.path().toString());
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] statuses = fs.listStatus(dir);
        return statuses == null ? new FileStatus[0] : statuses;
    }

    private record Candidate(Path path, long writtenAt, long number) {
        static final Comparator<Candidate> ORDER =
                Comparator.comparingLong(Candidate::writtenAt).thenComparingLong(Candidate::number);
    }
}
