package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/** The HTTP methods list APIs and token endpoints use. */
@PublicEvolving
public enum HttpMethod implements OptionEnum {
    GET,
    POST;

    @Override
    public String optionValue() {
        return name();
    }
}
