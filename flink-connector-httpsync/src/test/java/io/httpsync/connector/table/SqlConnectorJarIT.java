package io.httpsync.connector.table;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opens the SQL connector jar built in {@code package} (run by failsafe in {@code verify}): it registers the table
 * factory, carries its libraries only under relocated packages, and bundles no Flink classes.
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

    private static String read(String entry) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            JarEntry e = f.getJarEntry(entry);
            assertThat(e).as(entry).isNotNull();
            return new String(f.getInputStream(e).readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
