package io.httpsync.contacts.plan;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Why one entity must be written before another: an edge of the dependency graph, from the
 * dependent to what it depends on.
 */
@PublicEvolving
public enum Dependency {
    /** A department needs its parent department. */
    PARENT(false),
    /** A department needs each of its heads (employees); the head field can be written later. */
    HEAD(true),
    /** An employee needs its direct leader; the leader field can be written later. */
    LEADER(true),
    /** An employee needs each department it belongs to. */
    MEMBERSHIP(false);

    private final boolean deferrable;

    Dependency(boolean deferrable) {
        this.deferrable = deferrable;
    }

    /**
     * Whether the field behind this edge may be left out of a first (degraded) write and patched
     * afterwards.
     */
    public boolean deferrable() {
        return deferrable;
    }
}
