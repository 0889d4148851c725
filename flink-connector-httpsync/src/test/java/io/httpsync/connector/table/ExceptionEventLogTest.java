package io.httpsync.connector.table;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A window full of undecodable records logs one line, not one per record. */
class ExceptionEventLogTest {
    @RegisterExtension
    final LoggerAuditingExtension logs =
            new LoggerAuditingExtension(ExceptionEventLog.class, Level.INFO);

    private static ExceptionEvent decodeFailure(long windowStart, int record) {
        return ExceptionEvent.ofWindow(
                "orders",
                "shop-1",
                windowStart,
                windowStart + 60_000,
                "{}",
                "record could not be decoded: no id at /oid (record " + record + ")",
                1_000L);
    }

    @Test
    void theFirstEventOfEachWindowIsLoggedAndTheRestAreSummedUpOncePerInterval() {
        ExceptionEventLog log = new ExceptionEventLog("orders", Duration.ofMinutes(1));
        long now = 1_000_000;
        for (int record = 0; record < 5_000; record++)
            log.log(decodeFailure(0, record), now + record);
        log.log(decodeFailure(60_000, 0), now + 5_000);

        assertThat(logs.getMessages()).hasSize(3);
        assertThat(logs.getMessages().get(0))
                .contains("Table orders: ExceptionEvent{", "record 0)", "only counted");
        assertThat(logs.getMessages().get(1)).contains("Table orders: 1 more exception events");
        assertThat(logs.getMessages().get(2)).contains("window=[1970-01-01T00:01:00Z");

        log.log(decodeFailure(0, 5_000), now + 61_000);
        assertThat(logs.getMessages()).hasSize(4);
        assertThat(logs.getMessages().get(3))
                .contains("Table orders: 4999 more exception events", "in the last PT1M");
    }
}
