package io.httpsync.jobs.preview;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceDescriptionTest {
    @TempDir Path dir;

    @Test
    void anOptionsFileTakesKeyValueLinesAsWrittenAndLinesCopiedFromAWithClause() throws Exception {
        Path file = dir.resolve("x.options");
        Files.writeString(
                file,
                """
                # a comment
                -- a SQL comment
                url = https://example.com/list?a=b
                error.ban-seconds-regex=ban (\\d+) s
                request.body.template={"from":"${window.start}"}

                'response.records-path' = '/data/it''s',
                """);
        assertThat(SourceDescription.readOptions(file))
                .containsExactly(
                        Map.entry("url", "https://example.com/list?a=b"),
                        Map.entry("error.ban-seconds-regex", "ban (\\d+) s"),
                        Map.entry("request.body.template", "{\"from\":\"${window.start}\"}"),
                        Map.entry("response.records-path", "/data/it's"));
    }

    @Test
    void aLineWithoutAnEqualsSignOrAKeySetTwiceIsRefusedWithItsLineNumber() throws Exception {
        Path file = dir.resolve("x.options");
        Files.writeString(file, "url=https://example.com\nresponse.records-path /data\n");
        assertThatThrownBy(() -> SourceDescription.readOptions(file))
                .hasMessageContaining("line 2 is not key=value");
        Files.writeString(file, "url=https://example.com\nurl=https://example.org\n");
        assertThatThrownBy(() -> SourceDescription.readOptions(file))
                .hasMessageContaining("line 2 sets 'url' again");
    }

    @Test
    void exactlyOneOfConfigAndOptionsIsRequired() {
        assertThatThrownBy(() -> SourceDescription.read("preview", Map.of()))
                .hasMessageStartingWith("preview needs either --config <job.properties>");
        assertThatThrownBy(
                        () ->
                                SourceDescription.read(
                                        "preview", Map.of("config", "a", "options", "b")))
                .hasMessageStartingWith("preview needs either --config <job.properties>");
    }
}
