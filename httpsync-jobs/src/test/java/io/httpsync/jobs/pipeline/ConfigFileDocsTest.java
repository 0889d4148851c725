package io.httpsync.jobs.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/landing.md} lists every key of a config file, in a table generated from the options.
 * Run with {@code -Dhttpsync.docs.write=true} to regenerate it after changing an option.
 */
class ConfigFileDocsTest {

    @Test
    void everyKeyOfAConfigFileIsInTheDocs() throws Exception {
        String page = ConfigFileDocs.page();
        assertThat(ConfigFileDocs.keys()).allSatisfy(key -> assertThat(page).contains("| `" + key));
    }

    @Test
    void generatedTableIsUpToDate() throws Exception {
        String page = ConfigFileDocs.page();
        String regenerated = ConfigFileDocs.regenerate(page);
        if (Boolean.getBoolean("httpsync.docs.write") && !regenerated.equals(page)) {
            Files.writeString(ConfigFileDocs.PAGE, regenerated);
            page = regenerated;
        }
        assertThat(page)
                .as(
                        "docs/landing.md is stale: run ConfigFileDocsTest with -Dhttpsync.docs.write=true")
                .isEqualTo(regenerated);
    }
}
