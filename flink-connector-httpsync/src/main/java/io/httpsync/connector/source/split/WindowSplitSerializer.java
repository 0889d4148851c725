package io.httpsync.connector.source.split;

import io.httpsync.connector.source.PassMarker;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import javax.annotation.Nullable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static io.httpsync.connector.source.split.StateSerde.checkFullyRead;
import static io.httpsync.connector.source.split.StateSerde.readNullableLong;
import static io.httpsync.connector.source.split.StateSerde.readNullableString;
import static io.httpsync.connector.source.split.StateSerde.readString;
import static io.httpsync.connector.source.split.StateSerde.writeNullableLong;
import static io.httpsync.connector.source.split.StateSerde.writeNullableString;
import static io.httpsync.connector.source.split.StateSerde.writeString;

/**
 * The versioned serializer of {@link WindowSplit}, used for reader state and, nested, in the
 * enumerator state.
 *
 * <p>Fields are written one by one with {@link DataOutputStream} (no Java serialization), so that a
 * later version can read every earlier one.
 */
@Internal
public final class WindowSplitSerializer implements SimpleVersionedSerializer<WindowSplit> {

    public static final WindowSplitSerializer INSTANCE = new WindowSplitSerializer();

    /**
     * Version 1: tenant, start, end, nullable position, unsplittable marker, and the outcome as a
     * code (0 = none, then {@link WindowOutcome.Kind#code()}) followed by its fields: known total
     * and nullable covered-from for too large, the reason for failed.
     */
    public static final int VERSION_1 = 1;

    /**
     * Version 2: version 1, and a failed outcome's reason is followed by its cause and whether the
     * cause is transient (see {@link WindowFailure}); outcome code 4, too early, is followed by the
     * time the platform had reached. A version-1 failure reads as a lasting one whose cause is its
     * reason.
     */
    public static final int VERSION_2 = 2;

    /**
     * Version 3: version 2, followed by the window's failure streak (see {@link FailureStreak}): a
     * marker and, if present, the cause of the last failure and how many failures in a row had it.
     * Versions 1 and 2 read without a streak, and writing them leaves the streak out.
     */
    public static final int VERSION_3 = 3;

    /**
     * Version 4: version 3, followed by whether the split carries a full-pass marker instead of a
     * window ({@link WindowSplit#carrying}) and, if so, the marker's kind (by name), pass start,
     * reader and readers (its tenant and range are the split's). Only readers write such splits;
     * earlier versions cannot hold one (the enumerator's state nests splits in version 3 and never
     * holds one).
     */
    public static final int VERSION_4 = 4;

    public static final int CURRENT_VERSION = VERSION_4;

    private static final int NO_OUTCOME = 0;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(WindowSplit split) throws IOException {
        return serialize(split, CURRENT_VERSION);
    }

    /**
     * Writes the split in an earlier {@code version}: for a serializer that nests splits and keeps
     * writing its own earlier versions exactly as they were (the enumerator state's tests pin their
     * bytes), and for the tests of restoring earlier versions.
     */
    public byte[] serialize(WindowSplit split, int version) throws IOException {
        checkKnown(version);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, split.tenant());
            out.writeLong(split.startMillis());
            out.writeLong(split.endMillis());
            writeNullableString(out, split.position());
            out.writeBoolean(split.isUnsplittable());
            writeOutcome(out, split.outcome(), version);
            if (version >= VERSION_3) {
                writeStreak(out, split.failureStreak());
            }
            if (version >= VERSION_4) {
                writeMarker(out, split.passMarker());
            } else if (split.passMarker() != null) {
                throw new IOException(
                        "window split version " + version + " cannot hold " + split.passMarker());
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public WindowSplit deserialize(int version, byte[] serialized) throws IOException {
        checkKnown(version);
        ByteArrayInputStream bytes = new ByteArrayInputStream(serialized);
        WindowSplit split;
        try (DataInputStream in = new DataInputStream(bytes)) {
            split = deserialize(in, version);
        }
        checkFullyRead(bytes, "window split", version);
        return split;
    }

    private static void checkKnown(int version) throws IOException {
        if (version < VERSION_1 || version > CURRENT_VERSION) {
            throw StateSerde.unknownVersion("window split", version, CURRENT_VERSION);
        }
    }

    /**
     * Versions 1 and 2 differ only in a failed outcome's fields; version 3 adds the failure streak.
     */
    private static WindowSplit deserialize(DataInputStream in, int version) throws IOException {
        String tenant = readString(in);
        long start = in.readLong();
        long end = in.readLong();
        String position = readNullableString(in);
        boolean unsplittable = in.readBoolean();
        WindowOutcome outcome = readOutcome(in, version);
        FailureStreak streak = version >= VERSION_3 ? readStreak(in) : null;
        if (version >= VERSION_4 && in.readBoolean()) {
            return WindowSplit.carrying(readMarker(in, tenant, start, end));
        }
        if (start >= end) {
            throw new IOException(
                    "Corrupt window split: empty window [" + start + ", " + end + ") of " + tenant);
        }
        return new WindowSplit(tenant, start, end, position, unsplittable, outcome, streak);
    }

    private static void writeMarker(DataOutputStream out, @Nullable PassMarker marker)
            throws IOException {
        out.writeBoolean(marker != null);
        if (marker != null) {
            writeString(out, marker.kind().name());
            out.writeLong(marker.passStartMillis());
            out.writeInt(marker.reader());
            out.writeInt(marker.readers());
        }
    }

    private static PassMarker readMarker(DataInputStream in, String tenant, long start, long end)
            throws IOException {
        String kind = readString(in);
        PassMarker.Kind parsed;
        try {
            parsed = PassMarker.Kind.valueOf(kind);
        } catch (IllegalArgumentException e) {
            throw new IOException("Corrupt window split: unknown pass marker kind " + kind, e);
        }
        long passStart = in.readLong();
        int reader = in.readInt();
        int readers = in.readInt();
        return new PassMarker(parsed, tenant, passStart, start, end, reader, readers);
    }

    private static void writeStreak(DataOutputStream out, @Nullable FailureStreak streak)
            throws IOException {
        out.writeBoolean(streak != null);
        if (streak != null) {
            writeString(out, streak.cause());
            out.writeInt(streak.failures());
        }
    }

    @Nullable
    private static FailureStreak readStreak(DataInputStream in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String cause = readString(in);
        int failures = in.readInt();
        if (failures < 1) {
            throw new IOException(
                    "Corrupt window split: a failure streak of " + failures + " failures");
        }
        return new FailureStreak(cause, failures);
    }

    private static void writeOutcome(
            DataOutputStream out, @Nullable WindowOutcome outcome, int version) throws IOException {
        if (outcome == null) {
            out.writeByte(NO_OUTCOME);
            return;
        }
        out.writeByte(outcome.kind().code());
        switch (outcome.kind()) {
            case TOO_LARGE:
                out.writeLong(outcome.knownTotal());
                writeNullableLong(out, outcome.coveredFromMillis());
                break;
            case TOO_EARLY:
                if (version == VERSION_1)
                    throw new IOException("window split version 1 cannot hold " + outcome);
                out.writeLong(outcome.platformReachedMillis());
                break;
            case FAILED:
                WindowFailure failure = outcome.failure();
                writeString(out, failure.reason());
                if (version == VERSION_1) break;
                writeString(out, failure.cause());
                out.writeBoolean(failure.transientCause());
                break;
            default:
                break;
        }
    }

    @Nullable
    private static WindowOutcome readOutcome(DataInputStream in, int version) throws IOException {
        int code = in.readByte();
        if (code == NO_OUTCOME) {
            return null;
        }
        WindowOutcome.Kind kind;
        try {
            kind = WindowOutcome.Kind.ofCode(code);
        } catch (IllegalArgumentException e) {
            throw new IOException("Corrupt window split: " + e.getMessage(), e);
        }
        switch (kind) {
            case TOO_LARGE:
                return WindowOutcome.tooLarge(in.readLong(), readNullableLong(in));
            case TOO_EARLY:
                if (version == VERSION_1)
                    throw new IOException("Corrupt window split: version 1 has no outcome " + kind);
                return WindowOutcome.tooEarly(in.readLong());
            case FAILED:
                String reason = readString(in);
                if (version == VERSION_1) return WindowOutcome.failed(reason);
                String cause = readString(in);
                return WindowOutcome.failed(new WindowFailure(reason, cause, in.readBoolean()));
            default:
                return WindowOutcome.finished();
        }
    }
}
