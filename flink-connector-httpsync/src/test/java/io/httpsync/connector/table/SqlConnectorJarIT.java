package io.httpsync.connector.table;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.SqlTables;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Opens the SQL connector jar built in {@code package} (run by failsafe in {@code verify}): it
 * registers the table factory, carries its libraries only under relocated packages, bundles no
 * Flink classes, and on its own (the connector's classes hidden from the class path) creates and
 * plans a table.
 */
class SqlConnectorJarIT {
    private static final String SHADED = "io/httpsync/shaded/";
    private static final List<String> RELOCATED =
            List.of(
                    "org/asynchttpclient/",
                    "io/netty/",
                    "com/fasterxml/jackson/",
                    "io/github/bucket4j/",
                    "io/lettuce/",
                    "reactor/",
                    "org/reactivestreams/",
                    "redis/clients/authentication/");
    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void openJar() throws IOException {
        jar =
                Path.of(
                        System.getProperty(
                                "httpsync.sql.jar",
                                "target/flink-connector-httpsync-0.1.0-SNAPSHOT-sql.jar"));
        assertThat(jar).as("the SQL connector jar; build it with 'mvn package'").exists();
        try (JarFile f = new JarFile(jar.toFile())) {
            entries = Collections.list(f.entries()).stream().map(JarEntry::getName).toList();
        }
    }

    @Test
    void registersTheTableFactory() throws IOException {
        assertThat(
                        read("META-INF/services/org.apache.flink.table.factories.Factory")
                                .lines()
                                .map(String::trim))
                .contains(HttpSyncDynamicTableFactory.class.getName());
        assertThat(entries)
                .contains(HttpSyncDynamicTableFactory.class.getName().replace('.', '/') + ".class");
    }

    @Test
    void librariesAreRelocated() {
        for (String pkg : RELOCATED) {
            assertThat(entries).as("unrelocated " + pkg).noneMatch(e -> e.startsWith(pkg));
            assertThat(entries)
                    .as("relocated " + pkg)
                    .anyMatch(e -> e.startsWith(SHADED + pkg) && e.endsWith(".class"));
        }
        List<String> strays = new ArrayList<>();
        for (String e : entries) {
            if (e.endsWith(".class") && !e.startsWith("io/httpsync/")) strays.add(e);
        }
        assertThat(strays)
                .as("classes outside io/httpsync (Flink is provided by the cluster)")
                .isEmpty();
    }

    @Test
    void connectorCodeUsesTheRelocatedLibraries() throws IOException {
        // the endpoint's reader parses JSON templates with Jackson
        String endpointReader = read("io/httpsync/connector/endpoint/EndpointReader.class");
        assertThat(endpointReader)
                .contains(SHADED + "com/fasterxml/jackson/databind/ObjectMapper")
                .doesNotContain("Lcom/fasterxml/jackson/databind/ObjectMapper");
        String pageFetcher = read("io/httpsync/connector/http/PageFetcher.class");
        assertThat(pageFetcher)
                .contains(SHADED + "org/asynchttpclient/")
                .doesNotContain("Lorg/asynchttpclient/");
    }

    @Test
    void relocatedServiceFilesAreRenamed() {
        assertThat(entries)
                .filteredOn(e -> e.startsWith("META-INF/services/"))
                .noneMatch(
                        e ->
                                RELOCATED.stream()
                                        .anyMatch(
                                                pkg ->
                                                        e.startsWith(
                                                                "META-INF/services/"
                                                                        + pkg.replace('/', '.'))));
    }

    @Test
    void carriesNoLoggingLibrary() {
        // slf4j and its log4j binding are Flink's: a second copy in lib/ would make slf4j pick a
        // binding at random
        assertThat(entries)
                .noneMatch(
                        e ->
                                e.startsWith("org/slf4j/")
                                        || e.startsWith("org/apache/logging/")
                                        || e.startsWith("org/apache/log4j/")
                                        || e.startsWith("ch/qos/logback/")
                                        || e.startsWith(SHADED + "org/slf4j/")
                                        || e.startsWith("META-INF/services/org.slf4j.")
                                        || e.startsWith("META-INF/services/org.apache.logging."));
    }

    @Test
    void noResourceNamesAnUnrelocatedPackage() throws IOException {
        // relocation rewrites classes only: a resource holding a relocated library's names
        // (property keys, class names)
        // no longer matches its own code, as async-http-client's defaults did
        Pattern unrelocated =
                Pattern.compile(
                        "(^|[^.\\w])("
                                + String.join(
                                        "|",
                                        RELOCATED.stream()
                                                .map(p -> Pattern.quote(p.replace('/', '.')))
                                                .toList())
                                + ")");
        List<String> offending = new ArrayList<>();
        for (String e : entries) {
            if (e.endsWith(".class")
                    || e.endsWith("/")
                    || e.matches("META-INF/([A-Za-z-]*-)?(LICENSE|NOTICE)(\\.txt)?")) continue;
            if (unrelocated.matcher(read(e)).find()) offending.add(e);
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void relocatedHttpClientDefaultsHoldEveryDefault() throws IOException {
        Properties original = new Properties();
        try (var in =
                org.asynchttpclient.config.AsyncHttpClientConfigDefaults.class.getResourceAsStream(
                        "ahc-default.properties")) {
            original.load(in);
        }
        Properties relocated = new Properties();
        relocated.load(
                new StringReader(
                        read(SHADED + "org/asynchttpclient/config/ahc-default.properties")));
        Map<String, String> expected = new TreeMap<>();
        original.forEach((k, v) -> expected.put("io.httpsync.shaded." + k, (String) v));
        Map<String, String> actual = new TreeMap<>();
        relocated.forEach((k, v) -> actual.put((String) k, (String) v));
        assertThat(expected).containsKey("io.httpsync.shaded.org.asynchttpclient.maxRedirects");
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void everyServiceFileNamesClassesOfTheJar() throws IOException {
        for (String e : entries) {
            if (!e.startsWith("META-INF/services/") || e.endsWith("/")) continue;
            for (String impl :
                    read(e).lines()
                            .map(l -> l.replaceAll("#.*", "").trim())
                            .filter(l -> !l.isEmpty())
                            .toList()) {
                assertThat(entries).as(e).contains(impl.replace('.', '/') + ".class");
            }
        }
    }

    @Test
    void isNotMultiReleaseSoItsRelocatedBaseClassesAreUsed() throws IOException {
        // versioned classes are left out: shade does not move them under the relocated packages
        // (MSHADE-406)
        assertThat(entries).noneMatch(e -> e.startsWith("META-INF/versions/"));
        try (JarFile f = new JarFile(jar.toFile())) {
            assertThat(f.isMultiRelease()).isFalse();
        }
    }

    @Test
    void factoryFromTheJarAloneCreatesAndPlansATable() throws Exception {
        try (URLClassLoader jarOnly =
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, new HidingConnectorClasses())) {
            Class<?> factory =
                    Class.forName(HttpSyncDynamicTableFactory.class.getName(), true, jarOnly);
            assertThat(factory.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .isEqualTo(jar.toUri());

            Map<String, String> options =
                    new LinkedHashMap<>(
                            EndpointPresets.kuaishouOrders("http://127.0.0.1:9/kuaishou"));
            options.put("connector", "httpsync");
            options.put("tenants", "shop-1");
            options.put("tenant.shop-1.app-key", "k");
            options.put("tenant.shop-1.sign-secret", "s");
            options.put("tenant.shop-1.access-token", "t");
            options.put("format", "json");
            options.put("scan.start", "2024-06-01T00:00:00Z");
            assertThat(explain(jarOnly, options)).contains("TableSourceScan");
            // the control: without the jar, discovery through the same loader cannot load the
            // factory
            assertThatThrownBy(() -> explain(new HidingConnectorClasses(), options))
                    .hasStackTraceContaining(
                            "Provider "
                                    + HttpSyncDynamicTableFactory.class.getName()
                                    + " not found");
        }
    }

    private static String explain(ClassLoader classLoader, Map<String, String> options) {
        TableEnvironment tEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withClassLoader(classLoader)
                                .build());
        tEnv.executeSql(
                "CREATE TABLE orders (orderBaseInfo ROW<oid BIGINT>) " + SqlTables.with(options));
        return tEnv.explainSql("SELECT * FROM orders");
    }

    /**
     * The test's class path minus the connector's own classes, so that only the jar can provide
     * them.
     */
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
