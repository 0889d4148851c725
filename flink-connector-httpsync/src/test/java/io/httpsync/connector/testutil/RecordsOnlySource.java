package io.httpsync.connector.testutil;

import io.httpsync.connector.source.HttpSyncRecordSource;
import io.httpsync.connector.source.HttpSyncSource;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An {@link HttpSyncSource} whose output is its records alone, for harnesses that need a {@code
 * Source<T>} rather than a {@code Source<SyncElement<T>>} (Flink's {@code SourceTestSuiteBase}). An
 * exception event fails the reader instead of being dropped, so a harness can never pass while
 * records are missing for a reason the source reported.
 *
 * <p>Test code only: a job should keep the exception events ({@code HttpSyncStreams.records}).
 */
public final class RecordsOnlySource {
    private RecordsOnlySource() {}

    public static <T> HttpSyncRecordSource<T> of(
            HttpSyncSource<T> source, TypeInformation<T> recordType) {
        return new HttpSyncRecordSource<>(
                source,
                recordType,
                context ->
                        element -> {
                            throw new IllegalStateException(
                                    "The source reported an exception event: "
                                            + element.exception());
                        });
    }
}
