package io.httpsync.contacts.fetch;

import io.httpsync.connector.ratelimit.LocalBucketStore;

import org.apache.flink.annotation.Internal;

/**
 * What every corp and API of a platform synced by one process (a {@code ContactsSync}: the plain
 * command, or one subtask of the contacts job) shares: the buckets of the shared scopes, per egress
 * IP ({@code ip}, WeCom's per-IP-per-API {@code api}) or per app, so that all the platform's APIs
 * and all its corps draw from one budget instead of one each. With the job backend, each of the
 * {@code instances} processes keeps an even {@code 1/instances} part of each shared budget (they
 * cannot talk to each other; a corp is synced by one of them at a time, so per-corp buckets are
 * whole); with {@code rate-limit.backend = redis} the budgets live in Redis, whole, shared with
 * every process and job using it.
 *
 * <p>Thread-safe: the store is; {@link #instances} is fixed.
 */
@Internal
public final class SharedBudgets {
    private final LocalBucketStore buckets = new LocalBucketStore();
    private final int instances;

    /** The budgets of one of {@code instances} processes syncing corps of the same egress IPs. */
    public SharedBudgets(int instances) {
        if (instances < 1)
            throw new IllegalArgumentException(
                    "shared budgets are split among at least one instance, not " + instances);
        this.instances = instances;
    }

    LocalBucketStore buckets() {
        return buckets;
    }

    /** How many processes split each shared budget (job backend). */
    public int instances() {
        return instances;
    }
}
