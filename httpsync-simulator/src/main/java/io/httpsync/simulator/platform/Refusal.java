package io.httpsync.simulator.platform;

import io.httpsync.simulator.http.SimResponse;

/**
 * A platform's answer to a request it refuses (bad signature, expired token, bad parameter), thrown
 * from deep inside a handler so that checks can be written one after the other; the handler catches
 * it, logs {@link #outcome()} and answers with {@link #response()}. Carries no stack trace: it is
 * control flow, not a failure of the simulator.
 */
public final class Refusal extends RuntimeException {
    private final transient SimResponse response;
    private final String outcome;

    /**
     * @param outcome what the request log records, e.g. {@code "error:27"}
     * @param response the platform's answer, already in its error shape
     */
    public Refusal(String outcome, SimResponse response) {
        super(outcome, null, false, false);
        this.outcome = outcome;
        this.response = response;
    }

    public SimResponse response() {
        return response;
    }

    public String outcome() {
        return outcome;
    }
}
