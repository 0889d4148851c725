package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/** What the number at {@code response.total-path} counts. */
@PublicEvolving
public enum TotalKind implements OptionEnum {
    /** Records in the whole window (TOP {@code total_results}, Jushuitan {@code data_count}). */
    RECORDS,
    /** Pages of the current page size (Jushuitan {@code page_count}). */
    PAGES;
}
