package io.httpsync.connector.domain;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Locale;

/**
 * An enum whose constants are written in options as {@link #optionValue()}, so that {@code
 * toOptions()} writes what a user would type in a SQL {@code WITH} clause. Parsing is
 * case-insensitive. Every option enum of the connector (endpoint, auth, rate limits) is one, so it
 * lives below all of them.
 */
@PublicEvolving
public interface OptionEnum {
    /**
     * The spelling in options: the constant's name in lower case with dashes, e.g. {@code
     * kuaishou-md5}.
     */
    default String optionValue() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
