package io.httpsync.simulator.fault;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The faults a platform injects into its data (list and detail) endpoints: each with a probability
 * per request, plus a script of faults for the next requests, so a test can make exactly the n-th
 * request fail. Token endpoints are never faulted: a client cannot make progress without a token,
 * and the platforms' token endpoints are the most stable part of them.
 */
public final class FaultPlan {
    private final Map<Fault, Double> probabilities = new EnumMap<>(Fault.class);
    private final ConcurrentLinkedQueue<Fault> script = new ConcurrentLinkedQueue<>();
    private final Random random;
    private volatile long timeoutDelayMillis = 30_000;

    public FaultPlan(long seed) {
        this.random = new Random(seed);
    }

    /** Each data request suffers {@code fault} with this probability (0 to 1). */
    public FaultPlan probability(Fault fault, double p) {
        if (p < 0 || p > 1)
            throw new IllegalArgumentException(
                    "probability of " + fault + " must be in [0,1], was " + p);
        synchronized (probabilities) {
            probabilities.put(fault, p);
        }
        return this;
    }

    /** The next data requests suffer these faults, in order, before probabilities apply again. */
    public FaultPlan script(Fault... faults) {
        for (Fault f : faults) script.add(f);
        return this;
    }

    /** How long a TIMEOUT response is held back. */
    public FaultPlan timeoutDelayMillis(long millis) {
        this.timeoutDelayMillis = millis;
        return this;
    }

    public long timeoutDelayMillis() {
        return timeoutDelayMillis;
    }

    public void clear() {
        synchronized (probabilities) {
            probabilities.clear();
        }
        script.clear();
    }

    /** The fault for the next data request, or null for none. */
    public Fault draw() {
        Fault scripted = script.poll();
        if (scripted != null) return scripted;
        synchronized (probabilities) {
            for (Map.Entry<Fault, Double> e : probabilities.entrySet()) {
                if (random.nextDouble() < e.getValue()) return e.getKey();
            }
        }
        return null;
    }
}
