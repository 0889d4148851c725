package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.Tenant;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which option and property values count as secrets, to be masked in every message. */
class EndpointSecretsTest {

    @Test
    void literalSecretsAreSecretLookingHeadersAndParametersWithoutPlaceholders() {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrders("http://localhost:1"));
        o.put("request.header.Authorization", "Bearer literal-1234");
        o.put("request.header.X-Api-Key", "api-key-5678");
        o.put("request.param.client_secret", "${tenant.client-secret}");
        o.put("request.header.X-Trace", "not-a-secret");
        EndpointSpec spec = EndpointSpec.fromOptions(o);

        assertThat(spec.literalSecrets())
                .containsExactlyInAnyOrder("Bearer literal-1234", "api-key-5678");
        assertThat(spec.toString())
                .doesNotContain("literal-1234", "api-key-5678")
                .contains("not-a-secret");
    }

    @Test
    void credentialsAuthorizationAndApiKeysLookSecret() {
        for (String key :
                new String[] {
                    "appkey-credential",
                    "Authorization",
                    "x-api-key",
                    "client_secret",
                    "refresh-token",
                    "db-password",
                    "session"
                }) {
            assertThat(Tenant.isSecretKey(key)).as(key).isTrue();
        }
        for (String key : new String[] {"app-key", "shop-id", "sign-method"}) {
            assertThat(Tenant.isSecretKey(key)).as(key).isFalse();
        }
    }
}
