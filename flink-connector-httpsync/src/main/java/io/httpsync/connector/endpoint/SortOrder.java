package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/** The order in which the platform returns a window's records, by the queried time field. */
@PublicEvolving
public enum SortOrder implements OptionEnum {
    DESC,
    ASC;
}
