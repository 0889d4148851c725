package io.httpsync.connector.auth;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each signer against a vector computed here from the platform's documented recipe, with the JDK's
 * digests, the signed text written out by hand. (The Kuaishou signers are also accepted by the
 * simulator: PageFetcherTest.)
 */
class SignerTest {
    private static final String SECRET = "s3cr3t-app";

    private static String md5Hex(String text) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("MD5")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] hmac(String algorithm, String key, String text) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> topParams() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("method", "taobao.trades.sold.increment.get");
        p.put("app_key", "12345678");
        p.put("session", "sess-token");
        p.put("timestamp", "2024-01-01 10:00:00");
        p.put("format", "json");
        p.put("v", "2.0");
        p.put("page_no", "1");
        p.put("buyer_nick", ""); // empty values are not signed
        return p;
    }

    /**
     * TOP: sorted key+value, no separators, sign_method included, empty values and sign excluded.
     */
    private static final String TOP_TEXT_PREFIX =
            "app_key12345678formatjsonmethodtaobao.trades.sold.increment.getpage_no1sessionsess-token";

    private static String topText(String signMethod) {
        return TOP_TEXT_PREFIX + "sign_method" + signMethod + "timestamp2024-01-01 10:00:00v2.0";
    }

    @Test
    void topMd5IsUpperHexOfSecretTextSecret() throws Exception {
        Map<String, String> p = topParams();
        SignerKind.TOP_MD5
                .signer("app-secret")
                .sign(p, Tenant.of("t", Map.of("app-secret", SECRET)));
        assertThat(p.get("sign_method")).isEqualTo("md5");
        assertThat(p.get("sign")).isEqualTo(md5Hex(SECRET + topText("md5") + SECRET).toUpperCase());
    }

    @Test
    void topHmacIsUpperHexOfHmacMd5() throws Exception {
        Map<String, String> p = topParams();
        SignerKind.TOP_HMAC
                .signer("app-secret")
                .sign(p, Tenant.of("t", Map.of("app-secret", SECRET)));
        assertThat(p.get("sign"))
                .isEqualTo(
                        HexFormat.of()
                                .withUpperCase()
                                .formatHex(hmac("HmacMD5", SECRET, topText("hmac"))));
    }

    @Test
    void topHmacSha256IsUpperHexOfHmacSha256() throws Exception {
        Map<String, String> p = topParams();
        p.put("sign", "stale"); // a sign left from an earlier attempt is neither signed nor kept
        SignerKind.TOP_HMAC_SHA256
                .signer("app-secret")
                .sign(p, Tenant.of("t", Map.of("app-secret", SECRET)));
        assertThat(p.get("sign"))
                .isEqualTo(
                        HexFormat.of()
                                .withUpperCase()
                                .formatHex(hmac("HmacSHA256", SECRET, topText("hmac-sha256"))));
    }

    @Test
    void jushuitanIsLowerHexMd5OfSecretAndSortedKeyValues() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("app_key", "jst-key");
        p.put("access_token", "tok");
        p.put("timestamp", "1700000000");
        p.put("version", "2");
        p.put("charset", "utf-8");
        p.put("biz", "{\"page_index\":1}");
        SignerKind.JUSHUITAN_MD5
                .signer("app-secret")
                .sign(p, Tenant.of("t", Map.of("app-secret", SECRET)));
        String text =
                SECRET
                        + "access_tokentokapp_keyjst-keybiz{\"page_index\":1}charsetutf-8timestamp1700000000version2";
        assertThat(p.get("sign")).isEqualTo(md5Hex(text));
    }

    private static Map<String, String> kuaishouParams() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("appkey", "ks-app");
        p.put("method", "open.order.cursor.list");
        p.put("version", "1");
        p.put("param", "{\"cursor\":\"\"}");
        p.put("access_token", "tok");
        p.put("timestamp", "1700000000000");
        p.put("extra", "not signed");
        return p;
    }

    @Test
    void kuaishouSignsTheSevenCommonParametersWithTheSignSecretSuffix() throws Exception {
        String signSecret = "sign-secret-1";
        Tenant tenant = Tenant.of("shop", Map.of("sign-secret", signSecret, "app-secret", "other"));
        String text =
                "access_token=tok&appkey=ks-app&method=open.order.cursor.list&param={\"cursor\":\"\"}&signMethod=%s"
                        + "&timestamp=1700000000000&version=1&signSecret="
                        + signSecret;

        Map<String, String> md5 = kuaishouParams();
        SignerKind.KUAISHOU_MD5.signer("sign-secret").sign(md5, tenant);
        assertThat(md5.get("signMethod")).isEqualTo("MD5");
        assertThat(md5.get("sign")).isEqualTo(md5Hex(String.format(text, "MD5")));

        Map<String, String> hmac = kuaishouParams();
        SignerKind.KUAISHOU_HMAC_SHA256.signer("sign-secret").sign(hmac, tenant);
        assertThat(hmac.get("signMethod")).isEqualTo("HMAC_SHA256");
        assertThat(hmac.get("sign"))
                .isEqualTo(
                        Base64.getEncoder()
                                .encodeToString(
                                        hmac(
                                                "HmacSHA256",
                                                signSecret,
                                                String.format(text, "HMAC_SHA256"))));
    }

    @Test
    void aMissingSecretNamesTheTenantAndPropertyOnly() {
        Tenant tenant = Tenant.of("shop-9", Map.of("app-secret", "other-secret-value"));
        assertThatThrownBy(
                        () ->
                                SignerKind.KUAISHOU_MD5
                                        .signer("sign-secret")
                                        .sign(kuaishouParams(), tenant))
                .hasMessageStartingWith(
                        "tenant 'shop-9' has no property 'sign-secret' (needed by auth.signer)")
                .hasMessageNotContaining("other-secret-value");
        assertThat(SignerKind.NONE.signer("x")).isNull();
    }
}
