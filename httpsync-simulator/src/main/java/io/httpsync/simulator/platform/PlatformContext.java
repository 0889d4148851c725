package io.httpsync.simulator.platform;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.SimClock;

/**
 * What every platform of one simulator shares: its clock, its accounting and the seed of its random
 * data.
 */
public record PlatformContext(SimClock clock, Accounting accounting, long seed) {}
