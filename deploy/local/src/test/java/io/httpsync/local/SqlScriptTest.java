package io.httpsync.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlScriptTest {
    @Test
    void semicolonsSeparateStatementsOnlyOutsideLiteralsIdentifiersAndComments() {
        String script =
                """
                -- a comment; not a statement
                SET 'pipeline.name' = 'orders; sync';
                CREATE TABLE `odd;name` (a INT) WITH ('k' = 'it''s; fine', "x;y" = 'z'); /* also; ignored */
                INSERT INTO t
                  SELECT * FROM s;;
                """;
        assertThat(SqlScript.statements(script))
                .containsExactly(
                        "SET 'pipeline.name' = 'orders; sync'",
                        "CREATE TABLE `odd;name` (a INT) WITH ('k' = 'it''s; fine', \"x;y\" = 'z')",
                        "INSERT INTO t\n  SELECT * FROM s");
    }

    @Test
    void aLastStatementNeedsNoSemicolon() {
        assertThat(SqlScript.statements("SELECT 1;\nSELECT 2\n"))
                .containsExactly("SELECT 1", "SELECT 2");
    }

    @Test
    void setStatementsGiveTheirKeyAndValueWithQuotesUndoubled() {
        assertThat(SqlScript.setting("SET 'table.exec.uid.generation' = 'ALWAYS'"))
                .hasValueSatisfying(
                        kv ->
                                assertThat(kv)
                                        .containsExactly("table.exec.uid.generation", "ALWAYS"));
        assertThat(SqlScript.setting("set\n'pipeline.name'='it''s'"))
                .hasValueSatisfying(kv -> assertThat(kv).containsExactly("pipeline.name", "it's"));
        assertThat(SqlScript.setting("SELECT 'a' = 'b'")).isEmpty();
    }

    @Test
    void aSummaryNamesWhatAStatementDoesButNeverItsOptions() {
        assertThat(
                        SqlScript.summary(
                                "CREATE TABLE orders (a INT) WITH ('tenant.s.app-secret' = 'hush')"))
                .isEqualTo("CREATE TABLE orders ...");
        assertThat(SqlScript.summary("INSERT INTO pg_orders\n  SELECT tenant, id FROM orders"))
                .isEqualTo("INSERT INTO pg_orders SELECT ...");
        assertThat(SqlScript.summary("USE CATALOG c")).isEqualTo("USE CATALOG c");
        assertThat(SqlScript.summary("RESET 'table.exec.secret'")).isEqualTo("RESET ...");
    }

    @Test
    void anUnterminatedLiteralNamesTheLineItStartsOn() {
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1;\nSELECT 'oops;\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
    }
}
