package io.httpsync.jobs;

import io.httpsync.jobs.demo.Demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bounded commands of a config file whose tenants come from a tenant registry: {@code
 * full-pass} and {@code replay} refuse it naming the option, before touching a database (a bounded
 * job would leave the registry's tenants out, a replay would silently find none of their failed
 * windows, and planning them as a fixed list would spend the token store's single-use refresh
 * tokens outside it).
 */
class TenantRegistryCommandsTest {
    @TempDir Path dir;

    /** A job of registry tenants; no database answers at the URLs (none may be reached). */
    private Path config() throws Exception {
        Map<String, String> c = new HashMap<>();
        Demo.kuaishouSimulatorOptions("http://localhost:1/kuaishou")
                .forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("source.name", "registry-orders");
        c.put("httpsync.scan.start", "2026-01-01T00:00:00Z");
        c.put("httpsync.tenants.registry.url", "jdbc:postgresql://localhost:1/app");
        c.put("httpsync.tenants.registry.password", "registry-password-secret");
        c.put("jdbc.url", "jdbc:postgresql://localhost:1/sink");
        c.put("jdbc.table", "orders");
        c.put("jdbc.events-table", "sync_events");
        c.put("jdbc.create-tables", "true");
        Path file = dir.resolve("job.properties");
        Properties p = new Properties();
        p.putAll(c);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }

    @Test
    void aFullPassOfRegistryTenantsIsRefusedNamingTheRegistryOption() throws Exception {
        Map<String, String> args = Map.of("config", config().toString());
        assertThatThrownBy(() -> HttpSyncCli.fullPass(args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "sync job 'registry-orders': full-pass cannot run a job whose tenants come"
                                + " from a tenant registry (httpsync.tenants.registry.url is set)")
                .hasMessageNotContaining("registry-password-secret")
                .hasMessageNotContaining("localhost:1");
    }

    @Test
    void aReplayOfRegistryTenantsIsRefusedNamingTheRegistryOptionInsteadOfFindingNoWindows()
            throws Exception {
        Map<String, String> args = new HashMap<>(Map.of("config", config().toString()));
        assertThatThrownBy(() -> HttpSyncCli.replay(args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "sync job 'registry-orders': replay cannot run a job whose tenants come"
                                + " from a tenant registry (httpsync.tenants.registry.url is set)");
    }
}
