package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpSyncEnumStateSerializerTest {

    /**
     * Version-1 bytes of {@link #representativeState()}, written once by {@link
     * #writeVersion1File()}.
     */
    private static final String VERSION_1_RESOURCE = "enum-state/httpsync-enum-state-v1.bin";

    /**
     * Version-2 bytes of {@link #representativeStateWithRefreshTokens()}, written once by {@link
     * #writeVersion2File()}.
     */
    private static final String VERSION_2_RESOURCE = "enum-state/httpsync-enum-state-v2.bin";

    /**
     * Version-3 bytes of {@link #representativeStateWithPasses()}, written once by {@link
     * #writeVersion3File()}.
     */
    private static final String VERSION_3_RESOURCE = "enum-state/httpsync-enum-state-v3.bin";

    /**
     * Version-4 bytes of {@link #representativeStateWithRecentSpan()}, written once by {@link
     * #writeVersion4File()}.
     */
    private static final String VERSION_4_RESOURCE = "enum-state/httpsync-enum-state-v4.bin";

    /**
     * Version-5 bytes of {@link #representativeStateWithTurns()}, written once by {@link
     * #writeVersion5File()}.
     */
    private static final String VERSION_5_RESOURCE = "enum-state/httpsync-enum-state-v5.bin";

    private static final long T0 = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long MINUTE = Duration.ofMinutes(1).toMillis();

    private final HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();

    /** A state with something in every place a window can be, two tenants and non-ASCII text. */
    static HttpSyncEnumState representativeState() {
        String shop = "shop-1";
        String store = "店铺-2";
        WindowSplit hotWindow = WindowSplit.of(shop, T0 + 3 * HOUR, T0 + 4 * HOUR);
        return new HttpSyncEnumState(
                List.of(
                        new TenantState(
                                shop,
                                T0 + 6 * HOUR,
                                T0 + 2 * HOUR,
                                List.of(new TimeRange(T0 + 4 * HOUR, T0 + 5 * HOUR))),
                        new TenantState(store, T0 + 2 * HOUR, T0, List.of())),
                List.of(
                        WindowSplit.of(store, T0 + HOUR, T0 + HOUR + 5 * MINUTE).asUnsplittable(),
                        WindowSplit.of(shop, T0 + 3 * HOUR, T0 + 3 * HOUR + 30 * MINUTE),
                        WindowSplit.of(shop, T0 + 5 * HOUR, T0 + 6 * HOUR)),
                List.of(
                        WindowSplit.of(store, T0, T0 + HOUR),
                        WindowSplit.of(store, T0 + HOUR + 5 * MINUTE, T0 + 2 * HOUR)
                                .withPosition("{\"cursor\":\"abc\"}")),
                List.of(
                        new FinishedWindow(
                                hotWindow.splitId(),
                                WindowSplit.of(shop, T0 + 3 * HOUR + 40 * MINUTE, T0 + 4 * HOUR),
                                41L),
                        new FinishedWindow(
                                WindowSplit.idOf(
                                        shop,
                                        T0 + 3 * HOUR + 30 * MINUTE,
                                        T0 + 3 * HOUR + 40 * MINUTE),
                                WindowSplit.of(
                                        shop,
                                        T0 + 3 * HOUR + 30 * MINUTE,
                                        T0 + 3 * HOUR + 40 * MINUTE),
                                FinishedWindow.NOT_YET_CHECKPOINTED)),
                List.of(
                        new FailedWindow(
                                WindowSplit.of(shop, T0 + 2 * HOUR, T0 + 3 * HOUR),
                                T0 + 30 * HOUR,
                                "HTTP 503, platform code 40001: 服务繁忙")));
    }

    /**
     * {@link #representativeState()} with the rotated refresh tokens of both tenants (version 2).
     */
    static HttpSyncEnumState representativeStateWithRefreshTokens() {
        return representativeState()
                .withRefreshTokens(
                        List.of(
                                new RotatedRefreshToken(
                                        "shop-1",
                                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                        "ChJvYXV0aC5yZWZyZXNoVG9rZW4-1a2b3c"),
                                new RotatedRefreshToken("店铺-2", "", "刷新-令牌-2")));
    }

    /**
     * {@link #representativeStateWithRefreshTokens()} with full passes (version 3): a tenant
     * waiting for its next pass, and one whose pass runs, abandoned, with windows in every place.
     */
    static HttpSyncEnumState representativeStateWithPasses() {
        HttpSyncEnumState passWindows = representativeState();
        return representativeStateWithRefreshTokens()
                .withPasses(
                        List.of(
                                new PassState(
                                        "shop-1",
                                        T0 + 30 * HOUR,
                                        new PassState.Running(
                                                T0 + 29 * HOUR,
                                                T0,
                                                T0 + 6 * HOUR,
                                                null,
                                                true,
                                                true,
                                                passWindows)),
                                new PassState("店铺-2", T0 + 31 * HOUR, null),
                                new PassState(
                                        "店铺-3",
                                        T0 + 28 * HOUR,
                                        new PassState.Running(
                                                T0 + 29 * HOUR,
                                                T0 + HOUR,
                                                T0 + 2 * HOUR,
                                                T0 + 29 * HOUR + MINUTE,
                                                false,
                                                false,
                                                new HttpSyncEnumState(
                                                        List.of(), List.of(), List.of(), List.of(),
                                                        List.of())))));
    }

    /**
     * {@link #representativeStateWithPasses()} where shop-1 reads a recent span first (version 4).
     */
    static HttpSyncEnumState representativeStateWithRecentSpan() {
        HttpSyncEnumState state = representativeStateWithPasses();
        List<TenantState> tenants = new java.util.ArrayList<>(state.tenants());
        TenantState shop = tenants.get(0);
        tenants.set(
                0,
                new TenantState(
                        shop.tenant(),
                        shop.nextPlannedStartMillis(),
                        shop.syncPositionMillis(),
                        shop.committedBeyondPosition(),
                        T0 + 20 * HOUR,
                        T0 + 22 * HOUR));
        return state.withTenants(tenants);
    }

    /**
     * {@link #representativeStateWithRecentSpan()} where shop-1's pass is ahead of the virtual time
     * and 店铺-2 has history credit (version 5).
     */
    static HttpSyncEnumState representativeStateWithTurns() {
        HttpSyncEnumState state = representativeStateWithRecentSpan();
        List<TenantState> tenants = new java.util.ArrayList<>(state.tenants());
        tenants.set(0, tenants.get(0).withTurn(0.3f, 0));
        tenants.set(1, tenants.get(1).withTurn(0, 0.25f));
        return state.withTenants(tenants);
    }

    @Test
    void roundTripKeepsEverything() throws IOException {
        HttpSyncEnumState state = representativeStateWithTurns();

        assertThat(serializer.deserialize(serializer.getVersion(), serializer.serialize(state)))
                .isEqualTo(state);
    }

    @Test
    void restoresTheCheckedInVersion2BytesExactly() throws IOException {
        assertThat(
                        serializer.deserialize(
                                HttpSyncEnumStateSerializer.VERSION_2,
                                resourceBytes(VERSION_2_RESOURCE)))
                .isEqualTo(representativeStateWithRefreshTokens());
    }

    @Test
    void restoresTheCheckedInVersion3BytesExactly() throws IOException {
        assertThat(
                        serializer.deserialize(
                                HttpSyncEnumStateSerializer.VERSION_3,
                                resourceBytes(VERSION_3_RESOURCE)))
                .isEqualTo(representativeStateWithPasses());
    }

    @Test
    void version3StillWritesTheCheckedInBytes() throws IOException {
        assertThat(serializer.serializeVersion3(representativeStateWithPasses()))
                .as("the version-3 format must never change; add a new version instead")
                .isEqualTo(resourceBytes(VERSION_3_RESOURCE));
    }

    @Test
    void restoresTheCheckedInVersion4BytesExactly() throws IOException {
        assertThat(
                        serializer.deserialize(
                                HttpSyncEnumStateSerializer.VERSION_4,
                                resourceBytes(VERSION_4_RESOURCE)))
                .isEqualTo(representativeStateWithRecentSpan());
    }

    @Test
    void version4StillWritesTheCheckedInBytes() throws IOException {
        assertThat(serializer.serializeVersion4(representativeStateWithRecentSpan()))
                .as("the version-4 format must never change; add a new version instead")
                .isEqualTo(resourceBytes(VERSION_4_RESOURCE));
    }

    @Test
    void restoresTheCheckedInVersion5BytesExactly() throws IOException {
        assertThat(
                        serializer.deserialize(
                                HttpSyncEnumStateSerializer.VERSION_5,
                                resourceBytes(VERSION_5_RESOURCE)))
                .isEqualTo(representativeStateWithTurns());
    }

    @Test
    void version5StillWritesTheCheckedInBytes() throws IOException {
        assertThat(serializer.serializeVersion5(representativeStateWithTurns()))
                .as("the version-5 format must never change; add a new version instead")
                .isEqualTo(resourceBytes(VERSION_5_RESOURCE));
    }

    @Test
    void aVersion4StateHasEveryTenantAtTheVirtualTimeWithoutHistoryCredit() throws IOException {
        assertThat(
                        serializer
                                .deserialize(
                                        HttpSyncEnumStateSerializer.VERSION_4,
                                        resourceBytes(VERSION_4_RESOURCE))
                                .tenants())
                .allMatch(t -> t.turnPassAhead() == 0 && t.historyCredit() == 0);
    }

    @Test
    void aVersion3StateHasNoRecentSpans() throws IOException {
        assertThat(
                        serializer
                                .deserialize(
                                        HttpSyncEnumStateSerializer.VERSION_3,
                                        resourceBytes(VERSION_3_RESOURCE))
                                .tenants())
                .noneMatch(TenantState::hasRecentSpan);
    }

    @Test
    void aVersion2StateHasNoPasses() throws IOException {
        assertThat(
                        serializer
                                .deserialize(
                                        HttpSyncEnumStateSerializer.VERSION_2,
                                        resourceBytes(VERSION_2_RESOURCE))
                                .passes())
                .isEmpty();
    }

    @Test
    void version2StillWritesTheCheckedInBytes() throws IOException {
        assertThat(serializer.serializeVersion2(representativeStateWithRefreshTokens()))
                .as("the version-2 format must never change; add a new version instead")
                .isEqualTo(resourceBytes(VERSION_2_RESOURCE));
    }

    @Test
    void aVersion1StateHasNoRefreshTokens() throws IOException {
        assertThat(
                        serializer
                                .deserialize(HttpSyncEnumStateSerializer.VERSION_1, version1Bytes())
                                .refreshTokens())
                .isEmpty();
    }

    @Test
    void theStatesTextShowsNoRefreshToken() {
        String text = representativeStateWithRefreshTokens().toString();
        assertThat(text).contains("shop-1").doesNotContain("1a2b3c").doesNotContain("令牌");
    }

    @Test
    void roundTripOfAnEmptyState() throws IOException {
        HttpSyncEnumState empty =
                new HttpSyncEnumState(List.of(), List.of(), List.of(), List.of(), List.of());

        assertThat(serializer.deserialize(serializer.getVersion(), serializer.serialize(empty)))
                .isEqualTo(empty);
    }

    @Test
    void restoresTheCheckedInVersion1BytesExactly() throws IOException {
        assertThat(serializer.deserialize(HttpSyncEnumStateSerializer.VERSION_1, version1Bytes()))
                .isEqualTo(representativeState());
    }

    @Test
    void version1StillWritesTheCheckedInBytes() throws IOException {
        assertThat(serializer.serializeVersion1(representativeState()))
                .as("the version-1 format must never change; add a new version instead")
                .isEqualTo(version1Bytes());
    }

    @Test
    void rejectsAnUnknownVersion() {
        assertThatThrownBy(
                        () ->
                                serializer.deserialize(
                                        HttpSyncEnumStateSerializer.CURRENT_VERSION + 1,
                                        new byte[0]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(
                        "serialized with version "
                                + (HttpSyncEnumStateSerializer.CURRENT_VERSION + 1))
                .hasMessageContaining(
                        "only supports versions up to "
                                + HttpSyncEnumStateSerializer.CURRENT_VERSION);
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] bytes = serializer.serialize(representativeState());

        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);

        assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion(), longer))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("1 unexpected trailing bytes");
    }

    @Test
    void rejectsAnUnknownNestedSplitVersion() throws IOException {
        byte[] bytes = serializer.serialize(representativeState());
        bytes[3] = 99; // the split serializer version is the first int

        assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion(), bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("window split bytes are serialized with version 99");
    }

    /**
     * Writes {@link #VERSION_1_RESOURCE} from the version-1 writer; run once when the format was
     * introduced, with {@code -Dtest=HttpSyncEnumStateSerializerTest
     * -Dhttpsync.writeStateFiles=true}, and commit the file.
     */
    @Test
    @EnabledIfSystemProperty(named = "httpsync.writeStateFiles", matches = "true")
    void writeVersion1File() throws IOException {
        Path file = Path.of("src/test/resources").resolve(VERSION_1_RESOURCE);
        Files.createDirectories(file.getParent());
        Files.write(file, serializer.serializeVersion1(representativeState()));
    }

    /**
     * Writes {@link #VERSION_2_RESOURCE} from the version-2 writer; run once when the format was
     * introduced, with {@code -Dtest=HttpSyncEnumStateSerializerTest
     * -Dhttpsync.writeStateFiles=true}, and commit the file.
     */
    @Test
    @EnabledIfSystemProperty(named = "httpsync.writeStateFiles", matches = "true")
    void writeVersion2File() throws IOException {
        writeOnce(
                VERSION_2_RESOURCE,
                serializer.serializeVersion2(representativeStateWithRefreshTokens()));
    }

    /**
     * Writes {@link #VERSION_3_RESOURCE} from the version-3 writer; run once when the format was
     * introduced, with {@code -Dtest=HttpSyncEnumStateSerializerTest
     * -Dhttpsync.writeStateFiles=true}, and commit the file.
     */
    @Test
    @EnabledIfSystemProperty(named = "httpsync.writeStateFiles", matches = "true")
    void writeVersion3File() throws IOException {
        writeOnce(
                VERSION_3_RESOURCE, serializer.serializeVersion3(representativeStateWithPasses()));
    }

    /**
     * Writes {@link #VERSION_4_RESOURCE} from the version-4 writer; run once when the format was
     * introduced, with {@code -Dtest=HttpSyncEnumStateSerializerTest
     * -Dhttpsync.writeStateFiles=true}, and commit the file.
     */
    @Test
    @EnabledIfSystemProperty(named = "httpsync.writeStateFiles", matches = "true")
    void writeVersion4File() throws IOException {
        writeOnce(
                VERSION_4_RESOURCE,
                serializer.serializeVersion4(representativeStateWithRecentSpan()));
    }

    /**
     * Writes {@link #VERSION_5_RESOURCE} from the version-5 writer; run once when the format was
     * introduced, with {@code -Dtest=HttpSyncEnumStateSerializerTest
     * -Dhttpsync.writeStateFiles=true}, and commit the file.
     */
    @Test
    @EnabledIfSystemProperty(named = "httpsync.writeStateFiles", matches = "true")
    void writeVersion5File() throws IOException {
        writeOnce(VERSION_5_RESOURCE, serializer.serializeVersion5(representativeStateWithTurns()));
    }

    private static byte[] version1Bytes() throws IOException {
        return resourceBytes(VERSION_1_RESOURCE);
    }

    private static byte[] resourceBytes(String resource) throws IOException {
        try (InputStream in =
                HttpSyncEnumStateSerializerTest.class
                        .getClassLoader()
                        .getResourceAsStream(resource)) {
            assertThat(in).as("test resource %s", resource).isNotNull();
            return in.readAllBytes();
        }
    }

    /**
     * Writes a version's checked-in bytes once; a changed format needs a new version, not a new
     * file.
     */
    private static void writeOnce(String resource, byte[] bytes) throws IOException {
        Path file = Path.of("src/test/resources").resolve(resource);
        if (Files.exists(file)) return;
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }
}
