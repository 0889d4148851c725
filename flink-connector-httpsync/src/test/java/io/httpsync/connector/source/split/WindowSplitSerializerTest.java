package io.httpsync.connector.source.split;

import io.httpsync.connector.source.PassMarker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowSplitSerializerTest {

    private static final WindowSplitSerializer SERIALIZER = WindowSplitSerializer.INSTANCE;

    static Stream<WindowSplit> splits() {
        WindowSplit plain = WindowSplit.of("shop-1", 1_700_000_000_000L, 1_700_000_060_000L);
        String longCursor = "c".repeat(70_000); // longer than writeUTF can hold
        return Stream.of(
                plain,
                plain.withPosition("{\"page\":3}"),
                plain.withPosition(longCursor),
                plain.asUnsplittable(),
                plain.withPosition("p").asFinished(),
                plain.withOutcome(WindowOutcome.tooLarge(12_345L, 1_700_000_030_000L)),
                plain.withOutcome(WindowOutcome.tooLarge(3_200L, null)).asUnsplittable(),
                plain.withPosition("7")
                        .withOutcome(WindowOutcome.failed("HTTP 503 after 8 attempts, 店铺")),
                plain.withOutcome(
                        WindowOutcome.failed(
                                new WindowFailure("HTTP 503", "RETRYABLE, HTTP 503", true))),
                plain.withOutcome(WindowOutcome.tooEarly(1_700_000_030_000L)),
                plain.withOutcome(WindowOutcome.tooLarge(-1, 1_700_000_030_000L)),
                plain.withFailureStreak(new FailureStreak("fatal, http #, code #", 2)),
                plain.withOutcome(WindowOutcome.failed("HTTP 503"))
                        .withFailureStreak(new FailureStreak("x", 7)),
                WindowSplit.of("店铺-ü", -5_000L, -1_000L),
                WindowSplit.carrying(
                        new PassMarker(
                                PassMarker.Kind.COMPLETED,
                                "shop-1",
                                1_700_000_090_000L,
                                0L,
                                1_700_000_060_000L,
                                1,
                                2)));
    }

    @ParameterizedTest
    @MethodSource("splits")
    void roundTripKeepsEveryField(WindowSplit split) throws IOException {
        WindowSplit restored =
                SERIALIZER.deserialize(SERIALIZER.getVersion(), SERIALIZER.serialize(split));

        assertThat(restored).isEqualTo(split);
        assertThat(restored.splitId()).isEqualTo(split.splitId());
        assertThat(restored.outcome()).isEqualTo(split.outcome());
    }

    @Test
    void aFailureWrittenByVersion1ReadsAsALastingFailureWhoseCauseIsItsReason() throws IOException {
        WindowSplit failed =
                WindowSplit.of("shop-1", 0, 10)
                        .withOutcome(
                                WindowOutcome.failed(
                                        new WindowFailure(
                                                "HTTP 200, code 31: bad sign",
                                                "FATAL, HTTP 200, code 31",
                                                true)));

        WindowSplit restored =
                SERIALIZER.deserialize(
                        WindowSplitSerializer.VERSION_1,
                        SERIALIZER.serialize(failed, WindowSplitSerializer.VERSION_1));

        assertThat(restored.outcome().failure())
                .isEqualTo(WindowFailure.lasting("HTTP 200, code 31: bad sign"));
    }

    @Test
    void aSplitWrittenByVersion2ReadsWithoutFailureStreakAndVersion2BytesAreVersion3sPrefix()
            throws IOException {
        WindowSplit split =
                WindowSplit.of("shop-1", 0, 10)
                        .withPosition("p")
                        .withOutcome(
                                WindowOutcome.failed(
                                        new WindowFailure(
                                                "HTTP 503", "RETRYABLE, HTTP 503", true)));
        byte[] version2 = SERIALIZER.serialize(split, WindowSplitSerializer.VERSION_2);

        assertThat(SERIALIZER.deserialize(WindowSplitSerializer.VERSION_2, version2))
                .isEqualTo(split);
        byte[] version3 = SERIALIZER.serialize(split.withFailureStreak(new FailureStreak("c", 1)));
        assertThat(Arrays.copyOf(version3, version2.length)).isEqualTo(version2);
    }

    @Test
    void aSplitWrittenByVersion3ReadsAsAWindowAndVersion3CannotHoldAPassMarker()
            throws IOException {
        WindowSplit split =
                WindowSplit.of("shop-1", 0, 10).withFailureStreak(new FailureStreak("c", 1));
        byte[] version3 = SERIALIZER.serialize(split, WindowSplitSerializer.VERSION_3);
        assertThat(SERIALIZER.deserialize(WindowSplitSerializer.VERSION_3, version3))
                .isEqualTo(split);

        WindowSplit marker =
                WindowSplit.carrying(
                        new PassMarker(PassMarker.Kind.STARTED, "shop-1", 20, 0, 10, 0, 1));
        assertThat(marker.splitId()).isNotEqualTo(split.splitId());
        assertThatThrownBy(() -> SERIALIZER.serialize(marker, WindowSplitSerializer.VERSION_3))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot hold");
    }

    @Test
    void rejectsUnknownVersion() throws IOException {
        byte[] bytes = SERIALIZER.serialize(WindowSplit.of("t", 0, 10));

        assertThatThrownBy(
                        () ->
                                SERIALIZER.deserialize(
                                        WindowSplitSerializer.CURRENT_VERSION + 1, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version " + (WindowSplitSerializer.CURRENT_VERSION + 1))
                .hasMessageContaining("window split");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] bytes = SERIALIZER.serialize(WindowSplit.of("t", 0, 10));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);

        assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), longer))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("3 unexpected trailing bytes");
    }

    @Test
    void rejectsTruncatedBytes() throws IOException {
        byte[] bytes = SERIALIZER.serialize(WindowSplit.of("t", 0, 10).withPosition("cursor"));
        byte[] shorter = Arrays.copyOf(bytes, bytes.length - 2);

        assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), shorter))
                .isInstanceOf(IOException.class);
    }
}
