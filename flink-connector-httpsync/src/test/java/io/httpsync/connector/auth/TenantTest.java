package io.httpsync.connector.auth;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TenantTest {
    private final Tenant tenant =
            Tenant.of(
                    "shop-1",
                    Map.of(
                            "app-key",
                            "ks-app-1",
                            "app-secret",
                            "AppSecretValue",
                            "sign-secret",
                            "SignSecretValue",
                            "access-token",
                            "TokenValue42",
                            "db_password",
                            "pw-123456",
                            "shop-id",
                            "77"));

    @Test
    void toStringMasksSecretsButShowsTheRest() {
        assertThat(tenant.toString())
                .contains(
                        "shop-1",
                        "ks-app-1",
                        "shop-id=77",
                        "app-secret=******",
                        "access-token=******",
                        "db_password=******")
                .doesNotContain("AppSecretValue", "SignSecretValue", "TokenValue42", "pw-123456");
    }

    @Test
    void secretKeysAreRecognizedByName() {
        assertThat(Tenant.isSecretKey("signSecret")).isTrue();
        assertThat(Tenant.isSecretKey("ACCESS_TOKEN")).isTrue();
        assertThat(Tenant.isSecretKey("Password")).isTrue();
        assertThat(Tenant.isSecretKey("app-key")).isFalse();
    }

    @Test
    void redactRemovesSecretValuesFromText() {
        String echoed =
                "bad request: appSecret=AppSecretValue&token=TokenValue42&session=FreshToken99&shop=77";
        assertThat(tenant.redact(echoed, List.of("FreshToken99")))
                .isEqualTo("bad request: appSecret=******&token=******&session=******&shop=77");
    }

    @Test
    void missingPropertiesAreNamedWithoutValues() {
        assertThatThrownBy(() -> tenant.requireProperty("client-id", "option 'x'"))
                .hasMessageStartingWith(
                        "tenant 'shop-1' has no property 'client-id' (needed by option 'x')")
                .hasMessageNotContaining("AppSecretValue");
        assertThatThrownBy(() -> Tenant.of(" ")).hasMessageContaining("non-empty id");
    }

    @Test
    void tenantsAreValues() {
        assertThat(Tenant.of("a", Map.of("k", "v")))
                .isEqualTo(Tenant.of("a", Map.of("k", "v")))
                .isNotEqualTo(Tenant.of("a"));
    }
}
