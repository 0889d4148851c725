package io.httpsync.connector.source.enumerator;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyncPlanTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    private static SyncPlan.Builder valid() {
        return SyncPlan.builder()
                .tenants("shop-1")
                .startTime(START)
                .maxWindowWidth(Duration.ofDays(1));
    }

    @Test
    void stepDefaultsToTheMaximumWindowWidth() {
        SyncPlan plan = valid().build();

        assertThat(plan.stepMillis()).isEqualTo(Duration.ofDays(1).toMillis());
        assertThat(plan.isBounded()).isFalse();
        assertThat(plan.minWindowWidthMillis())
                .isEqualTo(SyncPlan.DEFAULT_TIME_RESOLUTION.toMillis());
    }

    @Test
    void rejectsAStepWiderThanThePlatformAllows() {
        assertThatThrownBy(() -> valid().step(Duration.ofHours(25)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "option 'scan.window.step': 25 h exceeds the platform's 'window.max-width' 1 d");
    }

    @Test
    void requiresAStepWithoutMaximumWidth() {
        assertThatThrownBy(() -> SyncPlan.builder().tenants("t").startTime(START).build())
                .hasMessageContaining(
                        "option 'scan.window.step' is required when no 'window.max-width' is set");
    }

    @Test
    void rejectsAMinimumWidthWiderThanTheStep() {
        assertThatThrownBy(
                        () ->
                                valid().step(Duration.ofHours(1))
                                        .minWindowWidth(Duration.ofHours(2))
                                        .build())
                .hasMessageContaining(
                        "option 'scan.window.min-width': 2 h must not exceed 'scan.window.step' 1 h");
    }

    @Test
    void rejectsWidthsBetweenResolutionSteps() {
        assertThatThrownBy(() -> valid().step(Duration.ofMillis(1500)).build())
                .hasMessageContaining(
                        "option 'scan.window.step': 1500 ms must be a multiple of the time resolution of 'time.format' (1 s)");
        assertThatThrownBy(() -> valid().minWindowWidth(Duration.ofMillis(10)).build())
                .hasMessageContaining(
                        "option 'scan.window.min-width': 10 ms must be a multiple of the time resolution of 'time.format'");
    }

    @Test
    void rejectsBadTenantLists() {
        assertThatThrownBy(() -> valid().tenants().build())
                .hasMessageContaining("option 'tenants' must name at least one tenant");
        assertThatThrownBy(() -> valid().tenants("a", " ").build())
                .hasMessageContaining("option 'tenants': names a blank tenant at position 2");
        assertThatThrownBy(() -> valid().tenants("a", "b", "a").build())
                .hasMessageContaining("option 'tenants': names 'a' twice");
    }

    @Test
    void rejectsAnEndNotAfterTheStart() {
        assertThatThrownBy(() -> valid().endTime(START).build())
                .hasMessageContaining(
                        "option 'scan.end': 2025-01-01T00:00:00Z must be after 'scan.start'");
    }

    @Test
    void rejectsNonPositiveDurations() {
        assertThatThrownBy(() -> valid().discoveryInterval(Duration.ZERO).build())
                .hasMessageContaining(
                        "option 'scan.discovery-interval' must be at least one millisecond");
        assertThatThrownBy(() -> valid().failedWindowRetryDelay(Duration.ofSeconds(-1)).build())
                .hasMessageContaining(
                        "option 'scan.failed-window.retry-delay' must be at least one millisecond");
        assertThatThrownBy(() -> valid().lag(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("option 'scan.lag' must not be negative");
    }

    @Test
    void alignsStartDownAndEndUpToTheResolution() {
        SyncPlan plan =
                valid().startTime(START.plusMillis(1_500))
                        .endTime(START.plusSeconds(10).plusMillis(1))
                        .build();

        assertThat(plan.startMillis()).isEqualTo(START.plusSeconds(1).toEpochMilli());
        assertThat(plan.endMillis()).isEqualTo(START.plusSeconds(11).toEpochMilli());
    }

    @Test
    void rejectsAStartBeyondTheLookBackLimit() {
        SyncPlan plan = valid().lookBack(Duration.ofDays(90)).build();

        plan.checkTimeRange(START.plus(Duration.ofDays(90)).toEpochMilli());
        assertThatThrownBy(
                        () ->
                                plan.checkTimeRange(
                                        START.plus(Duration.ofDays(90))
                                                .plusMillis(1)
                                                .toEpochMilli()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "option 'scan.start': 2025-01-01T00:00:00Z is older than the platform's look-back limit")
                .hasMessageContaining("'window.look-back' is 90 d");
    }

    @Test
    void rejectsABoundedEndLaterThanNowMinusLag() {
        Instant end = START.plus(Duration.ofDays(2));
        SyncPlan plan = valid().endTime(end).lag(Duration.ofMinutes(5)).build();

        plan.checkTimeRange(end.plus(Duration.ofMinutes(5)).toEpochMilli());
        assertThatThrownBy(
                        () -> plan.checkTimeRange(end.plus(Duration.ofMinutes(4)).toEpochMilli()))
                .hasMessageContaining(
                        "option 'scan.end': 2025-01-03T00:00:00Z is later than now minus 'scan.lag'");
    }

    @Test
    void rejectsAClockThatCannotTravelWithTheSource() {
        Clock notSerializable =
                new Clock() {
                    @Override
                    public ZoneId getZone() {
                        return ZoneId.of("UTC");
                    }

                    @Override
                    public Clock withZone(ZoneId zone) {
                        return this;
                    }

                    @Override
                    public Instant instant() {
                        return START;
                    }
                };

        assertThatThrownBy(() -> valid().clock(notSerializable).build())
                .hasMessageContaining("clock must be Serializable");
    }

    @Test
    void ticksForRetriesInBoundedModeAndForDiscoveryInContinuousMode() {
        SyncPlan continuous =
                valid().discoveryInterval(Duration.ofSeconds(10))
                        .failedWindowRetryDelay(Duration.ofMinutes(2))
                        .build();
        SyncPlan bounded =
                valid().endTime(START.plusSeconds(100))
                        .discoveryInterval(Duration.ofSeconds(10))
                        .failedWindowRetryDelay(Duration.ofMinutes(2))
                        .build();

        assertThat(continuous.tickIntervalMillis()).isEqualTo(10_000L);
        assertThat(bounded.tickIntervalMillis()).isEqualTo(120_000L);
    }
}
