package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Which record time the window parameters select on. With {@link #UPDATE} a record leaves a closed
 * window when it changes (it moves to a newer update time); with {@link #CREATE} a closed window
 * only loses deleted records.
 */
@PublicEvolving
public enum QueryTimeField implements OptionEnum {
    UPDATE,
    CREATE;
}
