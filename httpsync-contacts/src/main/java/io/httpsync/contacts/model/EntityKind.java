package io.httpsync.contacts.model;

import org.apache.flink.annotation.PublicEvolving;

/** The two kinds of entity a contacts sync writes. */
@PublicEvolving
public enum EntityKind {
    DEPARTMENT,
    EMPLOYEE
}
