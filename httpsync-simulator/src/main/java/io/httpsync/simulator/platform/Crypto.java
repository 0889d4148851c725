package io.httpsync.simulator.platform;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The digests the platforms' signatures are made of. The simulator's verifiers are written from
 * their docs.
 */
public final class Crypto {
    private Crypto() {}

    public static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] hmac(String algorithm, String key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    public static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * The string the TOP family (Taobao, Jushuitan) signs: every parameter except {@code excluded},
     * sorted by name, each name directly followed by its value, no separators; parameters without a
     * value are left out.
     */
    public static String concatSorted(Map<String, String> params, String excluded) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(params)
                .forEach(
                        (k, v) -> {
                            if (!k.equals(excluded) && v != null && !v.isEmpty())
                                sb.append(k).append(v);
                        });
        return sb.toString();
    }

    /** Compares two signatures in constant time, case-sensitively. */
    public static boolean same(String expected, String given) {
        if (given == null) return false;
        return MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
