package io.httpsync.jobs.demo;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's first command runs this demo: it must work on a fresh machine and end with the table equal to the
 * platform up to the sync position (a live shop whose orders keep changing, a local Flink, an embedded PostgreSQL).
 */
class DemoITCase {
    @Test
    void demoEndsWithTheTableEqualToThePlatformUpToTheSyncPosition() throws Exception {
        assertThat(Demo.run(Map.of("duration-seconds", "15", "shops", "2", "orders", "1500"))).isTrue();
    }
}
