package com.acme.tickets;

import io.httpsync.connector.endpoint.ResponseTransformer;

/** Classes a user names by mistake: each is refused with a message naming the option. */
public final class Misfits {
    private Misfits() {}

    /** Implements neither extension interface. */
    public static final class NotATransformer {
        public NotATransformer() {}
    }

    /** Has no constructor without arguments. */
    public static final class NeedsAnArgument implements ResponseTransformer {
        private final String field;

        public NeedsAnArgument(String field) {
            this.field = field;
        }

        @Override
        public Object transform(Object response) {
            return response;
        }
    }
}
