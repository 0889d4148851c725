package io.httpsync.jobs.preview;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * Writes every record as one JSON line ({@code tenant}, {@code id}, {@code update_time} in epoch
 * millis, {@code update_time_iso}, {@code record}: the platform's JSON) to one file, for a bounded
 * job without checkpoints, at parallelism 1. The lines go to a hidden file beside the target, which
 * is moved into place only when the input ended ({@code flush(true)}): a job that fails leaves no
 * file that looks complete, and an existing target is replaced only by a complete one. (Flink's
 * {@code FileSink} commits its part files only on checkpoints or in batch execution, and writes a
 * directory of part files rather than the one file a user asked for.)
 *
 * <p>Thread contract: Flink calls the writer from its one task thread only.
 */
final class JsonLinesSink implements Sink<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final String target;

    JsonLinesSink(Path target) {
        this.target = target.toAbsolutePath().toString();
    }

    @Override
    public SinkWriter<RawRecord> createWriter(WriterInitContext context) throws IOException {
        int parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
        if (parallelism != 1)
            throw new IllegalStateException(
                    "one file is written by one writer, not " + parallelism);
        return new Writer(Path.of(target));
    }

    private static final class Writer implements SinkWriter<RawRecord> {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final Path target;
        private final Path partial;
        private BufferedWriter out;

        Writer(Path target) throws IOException {
            this.target = target;
            Path dir = target.getParent();
            if (dir != null) Files.createDirectories(dir);
            this.partial = target.resolveSibling("." + target.getFileName() + ".inprogress");
            this.out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8);
        }

        @Override
        public void write(RawRecord r, Context context) throws IOException {
            ObjectNode line =
                    JSON.createObjectNode()
                            .put("tenant", r.tenant)
                            .put("id", r.id)
                            .put("update_time", r.updateTime)
                            .put("update_time_iso", Instant.ofEpochMilli(r.updateTime).toString());
            line.set("record", JSON.readTree(r.json));
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            if (out == null) return; // moved into place already
            out.flush();
            if (endOfInput) {
                out.close();
                out = null;
                Files.move(
                        partial,
                        target,
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        }

        @Override
        public void close() throws IOException {
            if (out != null) { // the input did not end: the job failed or was cancelled
                out.close();
                Files.deleteIfExists(partial);
            }
        }
    }
}
