package io.httpsync.connector.table;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/sql.md} documents every option the factory accepts, with the tables generated from
 * the code. Run with {@code -Dhttpsync.docs.write=true} to regenerate them after changing an
 * option.
 */
class SqlDocsTest {

    @Test
    void everyOptionIsInTheDocs() throws Exception {
        String page = SqlOptionsDocs.page();
        assertThat(SqlOptionsDocs.documentedKeys())
                .allSatisfy(key -> assertThat(page).contains("| `" + key));
    }

    @Test
    void generatedTablesAreUpToDate() throws Exception {
        String page = SqlOptionsDocs.page();
        String regenerated = SqlOptionsDocs.regenerate(page);
        if (Boolean.getBoolean("httpsync.docs.write") && !regenerated.equals(page)) {
            Files.writeString(SqlOptionsDocs.PAGE, regenerated);
            page = regenerated;
        }
        assertThat(page)
                .as("docs/sql.md is stale: run SqlDocsTest with -Dhttpsync.docs.write=true")
                .isEqualTo(regenerated);
    }
}
