package io.httpsync.connector.table;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.SqlTables;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Opens the SQL connector jar built in {@code package} (run by failsafe in {@code verify}): it registers the table
 * factory, carries its libraries only under relocated packages, bundles no Flink classes, and on its own (the
 * connector's classes hidden from the class path) creates and plans a table.
 */
class SqlConnectorJarIT {
    private static final String SHADED = "io/httpsync/shaded/";
    private static final List<String> RELOCATED = List.of("org/asynchttpclient/", "io/netty/", "com/fasterxml/jackson/", "io/github/bucket4j/");
    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void openJar() throws IOException {
        jar = Path.of(System.getProperty("httpsync.sql.jar", "target/flink-connector-httpsync-0.1.0-SNAPSHOT-sql.jar"));
        assertThat(jar).as("the SQL connector jar; build it with 'mvn package'").exists();
        try (JarFile f = new JarFile(jar.toFile())) {
            entries = Collections.list(f.entries()).stream().map(JarEntry::getName).toList();
        }
    }

    @Test
    void registersTheTableFactory() throws IOException {
        assertThat(read("META-INF/services/org.apache.flink.table.factories.Factory").lines().map(String::trim))
                .contains(HttpSyncDynamicTableFactory.class.getName());
        assertThat(entries).contains(HttpSyncDynamicTableFactory.class.getName().replace('.', '/') + ".class");
    }

    @Test
    void librariesAreRelocated() {
        for (String pkg : RELOCATED) {
            assertThat(entries).as("unrelocated " + pkg).noneMatch(e -> e.startsWith(pkg));
            assertThat(entries).as("relocated " + pkg).anyMatch(e -> e.startsWith(SHADED + pkg) && e.endsWith(".class"));
        }
        List<String> strays = new ArrayList<>();
        for (String e : entries) {
            if (e.endsWith(".class") && !e.startsWith("io/httpsync/")) strays.add(e);
        }
        assertThat(strays).as("classes outside io/httpsync (Flink is provided by the cluster)").isEmpty();
    }

    @Test
    void connectorCodeUsesTheRelocatedLibraries() throws IOException {
        String endpointSpec = read("io/httpsync/connector/endpoint/EndpointSpec.class");
        assertThat(endpointSpec).contains(SHADED + "com/fasterxml/jackson/databind/ObjectMapper")
                .doesNotContain("Lcom/fasterxml/jackson/databind/ObjectMapper");
        String pageFetcher = read("io/httpsync/connector/http/PageFetcher.class");
        assertThat(pageFetcher).contains(SHADED + "org/asynchttpclient/").doesNotContain("Lorg/asynchttpclient/");
    }

    @Test
    void relocatedServiceFilesAreRenamed() {
        assertThat(entries).filteredOn(e -> e.startsWith("META-INF/services/"))
                .noneMatch(e -> RELOCATED.stream().anyMatch(pkg -> e.startsWith("META-INF/services/" + pkg.replace('/', '.'))));
    }

    @Test
    void factoryFromTheJarAloneCreatesAndPlansATable() throws Exception {
        try (URLClassLoader jarOnly = new URLClassLoader(new URL[] {jar.toUri().toURL()}, new HidingConnectorClasses())) {
            Class<?> factory = Class.forName(HttpSyncDynamicTableFactory.class.getName(), true, jarOnly);
            assertThat(factory.getProtectionDomain().getCodeSource().getLocation().toURI()).isEqualTo(jar.toUri());

            Map<String, String> options = new LinkedHashMap<>(EndpointPresets.kuaishouOrders("http://127.0.0.1:9/kuaishou"));
            options.put("connector", "httpsync");
            options.put("tenants", "shop-1");
            options.put("tenant.shop-1.app-key", "k");
            options.put("tenant.shop-1.sign-secret", "s");
            options.put("tenant.shop-1.access-token", "t");
            options.put("format", "json");
            options.put("scan.start", "2024-06-01T00:00:00Z");
            assertThat(explain(jarOnly, options)).contains("TableSourceScan");
            // the control: without the jar, discovery through the same loader cannot load the factory
            assertThatThrownBy(() -> explain(new HidingConnectorClasses(), options))
                    .hasStackTraceContaining("Provider " + HttpSyncDynamicTableFactory.class.getName() + " not found");
        }
    }

    private static String explain(ClassLoader classLoader, Map<String, String> options) {
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode()
                .withClassLoader(classLoader).build());
        tEnv.executeSql("CREATE TABLE orders (orderBaseInfo ROW<oid BIGINT>) " + SqlTables.with(options));
        return tEnv.explainSql("SELECT * FROM orders");
    }

    /** The test's class path minus the connector's own classes, so that only the jar can provide them. */
    private static final class HidingConnectorClasses extends ClassLoader {
        HidingConnectorClasses() {
            super(SqlConnectorJarIT.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.httpsync.")) throw new ClassNotFoundException(name);
            return super.loadClass(name, resolve);
        }
    }

    private static String read(String entry) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            JarEntry e = f.getJarEntry(entry);
            assertThat(e).as(entry).isNotNull();
            return new String(f.getInputStream(e).readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
