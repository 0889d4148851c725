package io.httpsync.simulator;

/** Placeholder replaced below. */
final class SimulatorMain {
    private SimulatorMain() {}
    public static void main(String[] args) {}
}
