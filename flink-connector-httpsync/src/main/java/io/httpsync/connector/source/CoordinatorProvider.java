package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;

import java.io.Serial;
import java.io.Serializable;

/**
 * Creates the coordinator of one operator with what the job's graph gave it: the provider travels
 * to the job manager serialized, so the coordinator is described by a serializable {@link Factory}.
 *
 * <p>Thread contract: immutable; Flink calls {@link #create} on the job master's main thread.
 */
@Internal
final class CoordinatorProvider implements OperatorCoordinator.Provider {
    @Serial private static final long serialVersionUID = 1L;

    /** Makes the coordinator; serializable, capturing only serializable values. */
    @FunctionalInterface
    interface Factory extends Serializable {
        OperatorCoordinator create(OperatorCoordinator.Context context);
    }

    private final OperatorID operatorId;
    private final Factory factory;

    CoordinatorProvider(OperatorID operatorId, Factory factory) {
        this.operatorId = operatorId;
        this.factory = factory;
    }

    @Override
    public OperatorID getOperatorId() {
        return operatorId;
    }

    @Override
    public OperatorCoordinator create(OperatorCoordinator.Context context) {
        return factory.create(context);
    }
}
