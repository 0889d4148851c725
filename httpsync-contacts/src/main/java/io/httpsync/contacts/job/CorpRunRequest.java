package io.httpsync.contacts.job;

import org.apache.flink.annotation.Internal;

/**
 * A request to sync one corp: the unit of work of the contacts job. {@code round} counts the corp's
 * requests: 0 in a bounded job, 0, 1, 2, ... every interval in a continuous one. Immutable.
 */
@Internal
public record CorpRunRequest(String corpId, long round) {}
