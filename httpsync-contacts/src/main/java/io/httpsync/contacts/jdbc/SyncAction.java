package io.httpsync.contacts.jdbc;

import org.apache.flink.annotation.PublicEvolving;

/** What a sync run did to one entity, as its sync log row says. */
@PublicEvolving
public enum SyncAction {
    CREATED,
    UPDATED,
    UNCHANGED,
    DELETED
}
