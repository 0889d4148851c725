package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

/**
 * An enum whose constants are written in options as {@link #optionValue()} (lower case, with dashes), so that
 * {@code toOptions()} writes what a user would type in a SQL {@code WITH} clause. Parsing is case-insensitive.
 */
@Internal
public interface OptionEnum {
    /** The spelling in options, e.g. {@code kuaishou-md5}. */
    String optionValue();
}
