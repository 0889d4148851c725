package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a request's parameters travel. {@link #NONE}: every parameter in the query string. {@link
 * #FORM}: the parameters form-encoded in the body (POST). {@link #JSON}: the parameters in the
 * query string and the body rendered from a JSON template (POST).
 */
@PublicEvolving
public enum BodyKind implements OptionEnum {
    NONE,
    FORM,
    JSON;
}
