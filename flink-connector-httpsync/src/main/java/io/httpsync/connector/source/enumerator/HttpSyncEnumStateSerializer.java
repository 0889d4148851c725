package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.StateSerde;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.function.ThrowingConsumer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.httpsync.connector.source.split.StateSerde.readBytes;
import static io.httpsync.connector.source.split.StateSerde.readCount;
import static io.httpsync.connector.source.split.StateSerde.readNullableLong;
import static io.httpsync.connector.source.split.StateSerde.readString;
import static io.httpsync.connector.source.split.StateSerde.writeBytes;
import static io.httpsync.connector.source.split.StateSerde.writeNullableLong;
import static io.httpsync.connector.source.split.StateSerde.writeString;

/**
 * The versioned serializer of {@link HttpSyncEnumState}, modelled on Kafka's {@code
 * KafkaSourceEnumStateSerializer}.
 *
 * <p>Rules for evolving it: never change what an existing version writes (its test writer nests the
 * splits in the split format of its time; {@link #serialize} nests them in the current one); add a
 * {@code VERSION_n} constant with a javadoc of what changed, a {@code deserializeVersionN} method
 * and a {@code case} in {@link #deserialize}; keep a {@code @VisibleForTesting serializeVersionN}
 * so tests can still produce every old format. The splits are nested with the {@link
 * WindowSplitSerializer} and its version is written first, so the two formats evolve independently.
 * Trailing bytes and unknown versions are rejected with an {@link IOException}.
 */
@Internal
public final class HttpSyncEnumStateSerializer
        implements SimpleVersionedSerializer<HttpSyncEnumState> {

    /**
     * Version 1, the first: split serializer version; per tenant its next planned start, sync
     * position and committed ranges beyond it; then the unassigned, assigned, finished-pending
     * (with reporting split id and checkpoint id) and failed (with retry time and reason) windows.
     */
    public static final int VERSION_1 = 1;

    /**
     * Version 2: version 1, then the rotated refresh tokens: a count, and per tenant its id, the
     * fingerprint of its configured refresh token and its newest refresh token.
     */
    public static final int VERSION_2 = 2;

    /**
     * Version 3: version 2, then the full passes ({@link PassState}): a count, and per tenant its
     * id, when its next pass is due and whether a pass runs; if one does, its start, range, when it
     * had listed everything (nullable), whether it is abandoned, whether a window of it was
     * reported, and its windows in the fields of version 1 (with their own split version).
     */
    public static final int VERSION_3 = 3;

    /**
     * Version 4: version 3, then the tenants reading a recent span first: a count, and per tenant
     * its id, where its recent span starts and where the span's next window starts.
     */
    public static final int VERSION_4 = 4;

    /**
     * Version 5: version 4, then the tenants' turns ({@link TenantTurns}): a count, equal to the
     * tenant count, and per tenant in the order of version 1, how far its pass is ahead of the
     * virtual time and its history credit (two floats, no tenant id: 8 bytes a tenant).
     */
    public static final int VERSION_5 = 5;

    public static final int CURRENT_VERSION = VERSION_5;

    private static final String WHAT = "httpsync enumerator state";

    private final WindowSplitSerializer splitSerializer = WindowSplitSerializer.INSTANCE;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(HttpSyncEnumState state) throws IOException {
        return serializeVersion5(state, splitSerializer.getVersion());
    }

    @Override
    public HttpSyncEnumState deserialize(int version, byte[] serialized) throws IOException {
        ByteArrayInputStream bytes = new ByteArrayInputStream(serialized);
        HttpSyncEnumState state;
        try (DataInputStream in = new DataInputStream(bytes)) {
            switch (version) {
                case VERSION_1:
                    state = deserializeVersion1(in);
                    break;
                case VERSION_2:
                    state = deserializeVersion2(in);
                    break;
                case VERSION_3:
                    state = deserializeVersion3(in);
                    break;
                case VERSION_4:
                    state = deserializeVersion4(in);
                    break;
                case VERSION_5:
                    state = deserializeVersion5(in);
                    break;
                default:
                    throw StateSerde.unknownVersion(WHAT, version, CURRENT_VERSION);
            }
        }
        StateSerde.checkFullyRead(bytes, WHAT, version);
        return state;
    }

    /**
     * Writes {@link #VERSION_5}, the current version, with the splits in the split serializer's
     * version 3 (as when version 5 was introduced), so that its bytes stay tested.
     */
    @VisibleForTesting
    byte[] serializeVersion5(HttpSyncEnumState state) throws IOException {
        return serializeVersion5(state, WindowSplitSerializer.VERSION_3);
    }

    private byte[] serializeVersion5(HttpSyncEnumState state, int splitVersion) throws IOException {
        return written(
                out -> {
                    writeVersion4Fields(out, state, splitVersion);
                    out.writeInt(state.tenants().size());
                    for (TenantState tenant : state.tenants()) {
                        out.writeFloat(tenant.turnPassAhead());
                        out.writeFloat(tenant.historyCredit());
                    }
                });
    }

    /**
     * Writes {@link #VERSION_4} (without turns), with the splits in the split serializer's version
     * 3 (as when version 4 was introduced); kept callable so that the restore of version-4 bytes
     * stays tested.
     */
    @VisibleForTesting
    byte[] serializeVersion4(HttpSyncEnumState state) throws IOException {
        return written(out -> writeVersion4Fields(out, state, WindowSplitSerializer.VERSION_3));
    }

    /** The fields of version 4: those of version 3, then the recent spans. */
    private void writeVersion4Fields(
            DataOutputStream out, HttpSyncEnumState state, int splitVersion) throws IOException {
        writeVersion3Fields(out, state, splitVersion);
        List<TenantState> recent =
                state.tenants().stream().filter(TenantState::hasRecentSpan).toList();
        out.writeInt(recent.size());
        for (TenantState tenant : recent) {
            writeString(out, tenant.tenant());
            out.writeLong(tenant.recentFromMillis());
            out.writeLong(tenant.recentNextMillis());
        }
    }

    /**
     * Writes {@link #VERSION_3} (without recent spans), with the splits in the split serializer's
     * version 3 (as when version 3 was introduced); kept callable so that the restore of version-3
     * bytes stays tested.
     */
    @VisibleForTesting
    byte[] serializeVersion3(HttpSyncEnumState state) throws IOException {
        return written(out -> writeVersion3Fields(out, state, WindowSplitSerializer.VERSION_3));
    }

    /** The fields of version 3: those of version 2, then the full passes. */
    private void writeVersion3Fields(
            DataOutputStream out, HttpSyncEnumState state, int splitVersion) throws IOException {
        writeVersion2Fields(out, state, splitVersion);
        out.writeInt(state.passes().size());
        for (PassState pass : state.passes()) writePass(out, pass, splitVersion);
    }

    private void writePass(DataOutputStream out, PassState pass, int splitVersion)
            throws IOException {
        writeString(out, pass.tenant());
        out.writeLong(pass.nextPassAtMillis());
        PassState.Running running = pass.running();
        out.writeBoolean(running != null);
        if (running == null) return;
        out.writeLong(running.startMillis());
        out.writeLong(running.rangeStartMillis());
        out.writeLong(running.rangeEndMillis());
        writeNullableLong(out, running.listedAtMillis());
        out.writeBoolean(running.abandoned());
        out.writeBoolean(running.reported());
        writeVersion1Fields(out, running.windows(), splitVersion);
    }

    /**
     * Writes {@link #VERSION_2} (without passes), with the splits in the split serializer's version
     * 1 (as when version 2 was introduced); kept callable so that the restore of version-2 bytes
     * stays tested.
     */
    @VisibleForTesting
    byte[] serializeVersion2(HttpSyncEnumState state) throws IOException {
        return written(out -> writeVersion2Fields(out, state, WindowSplitSerializer.VERSION_1));
    }

    /** The fields of version 2: those of version 1, then the refresh tokens. */
    private void writeVersion2Fields(
            DataOutputStream out, HttpSyncEnumState state, int splitVersion) throws IOException {
        writeVersion1Fields(out, state, splitVersion);
        out.writeInt(state.refreshTokens().size());
        for (RotatedRefreshToken token : state.refreshTokens()) {
            writeString(out, token.tenant());
            writeString(out, token.configuredFingerprint());
            writeString(out, token.refreshToken());
        }
    }

    /**
     * Writes {@link #VERSION_1} (without refresh tokens); kept callable so that the restore of
     * version-1 bytes stays tested.
     */
    @VisibleForTesting
    byte[] serializeVersion1(HttpSyncEnumState state) throws IOException {
        return written(out -> writeVersion1Fields(out, state, WindowSplitSerializer.VERSION_1));
    }

    /** The bytes {@code write} writes. */
    private static byte[] written(ThrowingConsumer<DataOutputStream, IOException> write)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write.accept(out);
        }
        return bytes.toByteArray();
    }

    /**
     * The fields of version 1, the splits written in {@code splitVersion} (which precedes them).
     */
    private void writeVersion1Fields(
            DataOutputStream out, HttpSyncEnumState state, int splitVersion) throws IOException {
        out.writeInt(splitVersion);
        out.writeInt(state.tenants().size());
        for (TenantState tenant : state.tenants()) {
            writeString(out, tenant.tenant());
            out.writeLong(tenant.nextPlannedStartMillis());
            out.writeLong(tenant.syncPositionMillis());
            out.writeInt(tenant.committedBeyondPosition().size());
            for (TimeRange range : tenant.committedBeyondPosition()) {
                out.writeLong(range.startMillis());
                out.writeLong(range.endMillis());
            }
        }
        writeSplits(out, state.unassigned(), splitVersion);
        writeSplits(out, state.assigned(), splitVersion);
        out.writeInt(state.finishedPending().size());
        for (FinishedWindow finished : state.finishedPending()) {
            writeString(out, finished.reportedSplitId());
            writeSplit(out, finished.window(), splitVersion);
            out.writeLong(finished.checkpointId());
        }
        out.writeInt(state.failed().size());
        for (FailedWindow failed : state.failed()) {
            writeSplit(out, failed.window(), splitVersion);
            out.writeLong(failed.retryAtMillis());
            writeString(out, failed.reason());
        }
    }

    private HttpSyncEnumState deserializeVersion5(DataInputStream in) throws IOException {
        HttpSyncEnumState state = deserializeVersion4(in);
        int count = readCount(in, "turn count");
        if (count != state.tenants().size())
            throw new IOException(
                    "Corrupt "
                            + WHAT
                            + ": "
                            + count
                            + " turns for "
                            + state.tenants().size()
                            + " tenants");
        List<TenantState> tenants = new ArrayList<>(count);
        for (TenantState t : state.tenants()) {
            float passAhead = in.readFloat();
            float credit = in.readFloat();
            // the credit may be a hair below 0 (TenantTurns subtracts a whole turn at 1 - 1e-9)
            if (!(passAhead >= 0) || Float.isInfinite(passAhead) || !(Math.abs(credit) <= 1))
                throw new IOException(
                        "Corrupt "
                                + WHAT
                                + ": turn of "
                                + t.tenant()
                                + " is "
                                + passAhead
                                + " ahead with history credit "
                                + credit);
            tenants.add(t.withTurn(passAhead, credit));
        }
        return state.withTenants(tenants);
    }

    private HttpSyncEnumState deserializeVersion4(DataInputStream in) throws IOException {
        HttpSyncEnumState state = deserializeVersion3(in);
        int count = readCount(in, "recent span count");
        Map<String, long[]> spans = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String tenant = readString(in);
            long from = in.readLong();
            long next = in.readLong();
            if (next < from)
                throw new IOException(
                        "Corrupt "
                                + WHAT
                                + ": recent span of "
                                + tenant
                                + " ends before it starts");
            spans.put(tenant, new long[] {from, next});
        }
        List<TenantState> tenants = new ArrayList<>(state.tenants().size());
        for (TenantState t : state.tenants()) {
            long[] span = spans.remove(t.tenant());
            tenants.add(
                    span == null
                            ? t
                            : new TenantState(
                                    t.tenant(),
                                    t.nextPlannedStartMillis(),
                                    t.syncPositionMillis(),
                                    t.committedBeyondPosition(),
                                    span[0],
                                    span[1]));
        }
        if (!spans.isEmpty())
            throw new IOException(
                    "Corrupt " + WHAT + ": recent spans of unknown tenants " + spans.keySet());
        return state.withTenants(tenants);
    }

    private HttpSyncEnumState deserializeVersion3(DataInputStream in) throws IOException {
        HttpSyncEnumState state = deserializeVersion2(in);
        int count = readCount(in, "full pass count");
        List<PassState> passes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String tenant = readString(in);
            long nextPassAt = in.readLong();
            PassState.Running running = null;
            if (in.readBoolean()) {
                long start = in.readLong();
                long rangeStart = in.readLong();
                long rangeEnd = in.readLong();
                Long listedAt = readNullableLong(in);
                boolean abandoned = in.readBoolean();
                boolean reported = in.readBoolean();
                running =
                        new PassState.Running(
                                start,
                                rangeStart,
                                rangeEnd,
                                listedAt,
                                abandoned,
                                reported,
                                deserializeVersion1(in));
            }
            passes.add(new PassState(tenant, nextPassAt, running));
        }
        return state.withPasses(passes);
    }

    private HttpSyncEnumState deserializeVersion2(DataInputStream in) throws IOException {
        HttpSyncEnumState windows = deserializeVersion1(in);
        int count = readCount(in, "refresh token count");
        List<RotatedRefreshToken> tokens = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String tenant = readString(in);
            String fingerprint = readString(in);
            tokens.add(new RotatedRefreshToken(tenant, fingerprint, readString(in)));
        }
        return windows.withRefreshTokens(tokens);
    }

    private HttpSyncEnumState deserializeVersion1(DataInputStream in) throws IOException {
        int splitVersion = in.readInt();
        int tenantCount = readCount(in, "tenant count");
        List<TenantState> tenants = new ArrayList<>(tenantCount);
        for (int i = 0; i < tenantCount; i++) {
            String tenant = readString(in);
            long nextPlannedStart = in.readLong();
            long position = in.readLong();
            int rangeCount = readCount(in, "committed range count");
            List<TimeRange> ranges = new ArrayList<>(rangeCount);
            for (int r = 0; r < rangeCount; r++) {
                ranges.add(readRange(in));
            }
            tenants.add(new TenantState(tenant, nextPlannedStart, position, ranges));
        }
        List<WindowSplit> unassigned = readSplits(in, splitVersion);
        List<WindowSplit> assigned = readSplits(in, splitVersion);
        int finishedCount = readCount(in, "finished window count");
        List<FinishedWindow> finished = new ArrayList<>(finishedCount);
        for (int i = 0; i < finishedCount; i++) {
            String reportedSplitId = readString(in);
            WindowSplit window = readSplit(in, splitVersion);
            finished.add(new FinishedWindow(reportedSplitId, window, in.readLong()));
        }
        int failedCount = readCount(in, "failed window count");
        List<FailedWindow> failed = new ArrayList<>(failedCount);
        for (int i = 0; i < failedCount; i++) {
            WindowSplit window = readSplit(in, splitVersion);
            long retryAt = in.readLong();
            failed.add(new FailedWindow(window, retryAt, readString(in)));
        }
        return new HttpSyncEnumState(tenants, unassigned, assigned, finished, failed);
    }

    private static TimeRange readRange(DataInputStream in) throws IOException {
        long start = in.readLong();
        long end = in.readLong();
        if (start >= end) {
            throw new IOException(
                    "Corrupt " + WHAT + ": empty committed range [" + start + ", " + end + ")");
        }
        return new TimeRange(start, end);
    }

    private void writeSplits(DataOutputStream out, List<WindowSplit> splits, int splitVersion)
            throws IOException {
        out.writeInt(splits.size());
        for (WindowSplit split : splits) {
            writeSplit(out, split, splitVersion);
        }
    }

    private List<WindowSplit> readSplits(DataInputStream in, int splitVersion) throws IOException {
        int count = readCount(in, "split count");
        List<WindowSplit> splits = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            splits.add(readSplit(in, splitVersion));
        }
        return splits;
    }

    private void writeSplit(DataOutputStream out, WindowSplit split, int splitVersion)
            throws IOException {
        writeBytes(out, splitSerializer.serialize(split, splitVersion));
    }

    private WindowSplit readSplit(DataInputStream in, int splitVersion) throws IOException {
        return splitSerializer.deserialize(splitVersion, readBytes(in));
    }
}
