package io.httpsync.connector.source.split;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Field codecs shared by the versioned state serializers of the source (splits and enumerator
 * state).
 *
 * <p>Strings are written as a length and UTF-8 bytes rather than with {@code writeUTF}, which
 * cannot hold more than 64 KB: a pagination cursor or scroll id has no documented maximum length.
 */
@Internal
public final class StateSerde {

    private StateSerde() {}

    public static void writeString(DataOutputStream out, String value) throws IOException {
        writeBytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    public static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    public static void writeNullableString(DataOutputStream out, @Nullable String value)
            throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            writeString(out, value);
        }
    }

    @Nullable
    public static String readNullableString(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }

    public static void writeNullableLong(DataOutputStream out, @Nullable Long value)
            throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    @Nullable
    public static Long readNullableLong(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    public static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static byte[] readBytes(DataInputStream in) throws IOException {
        int length = readCount(in, "byte array length");
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /**
     * Reads a length or element count written with {@code writeInt}, rejecting a negative one
     * (corrupt bytes).
     */
    public static int readCount(DataInputStream in, String what) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("Corrupt state: negative " + what + " " + count);
        }
        return count;
    }

    /**
     * Fails if bytes remain after a complete record: they would mean a format mismatch that must
     * not pass silently.
     */
    public static void checkFullyRead(ByteArrayInputStream in, String what, int version)
            throws IOException {
        if (in.available() > 0) {
            throw new IOException(
                    String.format(
                            "Corrupt %s (serializer version %d): %d unexpected trailing bytes",
                            what, version, in.available()));
        }
    }

    /**
     * The exception for a version this code does not know, worded like Flink's own state
     * serializers.
     */
    public static IOException unknownVersion(String what, int version, int currentVersion) {
        return new IOException(
                String.format(
                        "The %s bytes are serialized with version %d, while this deserializer only supports"
                                + " versions up to %d",
                        what, version, currentVersion));
    }
}
