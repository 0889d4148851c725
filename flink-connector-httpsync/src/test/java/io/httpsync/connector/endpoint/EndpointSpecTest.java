package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.SignerKind;
import io.httpsync.connector.ratelimit.RateLimitOptions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointSpecTest {

    static Stream<Arguments> presets() {
        return Stream.of(
                Arguments.of("kuaishou", EndpointPresets.kuaishouOrders()),
                Arguments.of("kuaishou with refresh tokens", kuaishouWithRefreshTokens()),
                Arguments.of("jushuitan with refresh tokens", jushuitanWithRefreshTokens()),
                Arguments.of("taobao", EndpointPresets.taobaoTradesIncrement()),
                Arguments.of("jushuitan", EndpointPresets.jushuitanOrders()),
                Arguments.of("youzan", EndpointPresets.youzanTrades()),
                Arguments.of(
                        "wecom departments",
                        EndpointPresets.wecomDepartments(EndpointPresets.WECOM_GATEWAY)),
                Arguments.of(
                        "wecom users", EndpointPresets.wecomUsers(EndpointPresets.WECOM_GATEWAY)),
                Arguments.of(
                        "dingtalk sub-departments",
                        EndpointPresets.dingtalkSubDepartments(EndpointPresets.DINGTALK_GATEWAY)),
                Arguments.of(
                        "dingtalk department",
                        EndpointPresets.dingtalkDepartment(EndpointPresets.DINGTALK_GATEWAY)),
                Arguments.of(
                        "dingtalk users",
                        EndpointPresets.dingtalkUsers(EndpointPresets.DINGTALK_GATEWAY)),
                Arguments.of(
                        "dingtalk user",
                        EndpointPresets.dingtalkUser(EndpointPresets.DINGTALK_GATEWAY)),
                Arguments.of(
                        "feishu departments",
                        EndpointPresets.feishuDepartments(EndpointPresets.FEISHU_GATEWAY)),
                Arguments.of(
                        "feishu root",
                        EndpointPresets.feishuRootDepartment(EndpointPresets.FEISHU_GATEWAY)),
                Arguments.of(
                        "feishu users",
                        EndpointPresets.feishuUsers(EndpointPresets.FEISHU_GATEWAY)));
    }

    private static Map<String, String> kuaishouWithRefreshTokens() {
        Map<String, String> o = EndpointPresets.kuaishouOrders();
        o.putAll(EndpointPresets.kuaishouRefreshTokens(EndpointPresets.KUAISHOU_GATEWAY));
        return o;
    }

    private static Map<String, String> jushuitanWithRefreshTokens() {
        Map<String, String> o = EndpointPresets.jushuitanOrders();
        o.putAll(EndpointPresets.jushuitanRefreshTokens(EndpointPresets.JUSHUITAN_GATEWAY));
        return o;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void presetsAreValidAndRoundTripThroughOptions(String name, Map<String, String> preset) {
        EndpointSpec spec = EndpointSpec.fromOptions(preset);
        assertThat(spec.toOptions()).isEqualTo(preset);
        assertThat(EndpointSpec.fromOptions(spec.toOptions())).isEqualTo(spec);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void javaSerializationKeepsTheDescription(String name, Map<String, String> preset)
            throws Exception {
        EndpointSpec spec = EndpointSpec.fromOptions(preset);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        EndpointSpec read;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = (EndpointSpec) in.readObject();
        }
        assertThat(read).isEqualTo(spec);
        assertThat(read.pagination()).isEqualTo(spec.pagination());
        assertThat(read.name()).isEqualTo(spec.name());
    }

    @Test
    void presetsDescribeThePlatforms() {
        EndpointSpec kuaishou = EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders());
        assertThat(kuaishou.pagination().style()).isEqualTo(PaginationStyle.CURSOR);
        assertThat(kuaishou.pagination().cursorEndMarkers()).containsExactly("nomore");
        assertThat(kuaishou.limits().windowMaxWidth()).isEqualTo(Duration.ofDays(7));
        assertThat(kuaishou.auth().signer()).isEqualTo(SignerKind.KUAISHOU_HMAC_SHA256);
        assertThat(kuaishou.usesToken()).isTrue();

        EndpointSpec taobao = EndpointSpec.fromOptions(EndpointPresets.taobaoTradesIncrement());
        assertThat(taobao.hasBackwardPaging()).isTrue();
        assertThat(taobao.windowEndSent(10_000))
                .isEqualTo(9_000); // inclusive end, second resolution
        assertThat(taobao.errors().banSecondsRegex()).isNotNull();

        EndpointSpec youzan = EndpointSpec.fromOptions(EndpointPresets.youzanTrades());
        assertThat(youzan.pagination().maxRecords()).isEqualTo(3200L);
        assertThat(youzan.auth().tokenRequest()).isNotNull();
        assertThat(youzan.auth().expiresInUnit()).isEqualTo(ExpiresInUnit.EPOCH_MILLIS);
    }

    @Test
    void builderWritesTypedValuesAsOptionsSpellThem() {
        EndpointSpec spec =
                EndpointSpec.builder()
                        .url("https://example.com/list")
                        .set(EndpointOptions.RESPONSE_RECORDS_PATH, "/data/items")
                        .set(EndpointOptions.PAGINATION_STYLE, PaginationStyle.OFFSET)
                        .set(EndpointOptions.WINDOW_MAX_WIDTH, Duration.ofDays(7))
                        .set(EndpointOptions.ERROR_SUCCESS_CODES, List.of("0", "200"))
                        .set(RateLimitOptions.PERMITS_PER_SECOND, 2.5)
                        .set(EndpointOptions.AUTH_SIGNER, SignerKind.TOP_HMAC_SHA256)
                        .param("offset", "${offset}")
                        .header("X-Shop", "${tenant.shop}")
                        .build();
        assertThat(spec.toOptions())
                .containsEntry("pagination.style", "offset")
                .containsEntry("window.max-width", "7 d")
                .containsEntry("error.success-codes", "0;200")
                .containsEntry("rate-limit.permits-per-second", "2.5")
                .containsEntry("auth.signer", "top-hmac-sha256")
                .containsEntry("request.param.offset", "${offset}")
                .containsEntry("request.header.X-Shop", "${tenant.shop}");
        assertThat(EndpointSpec.fromOptions(spec.toOptions())).isEqualTo(spec);
        assertThat(spec.name()).isEqualTo("https://example.com/list");
        assertThat(spec.auth().signerSecretProperty()).isEqualTo("app-secret");
    }

    @Test
    void optionSpellingIsNormalizedAndDefaultsStayOut() {
        Map<String, String> given = minimal();
        given.put("pagination.style", "CURSOR");
        given.put("response.cursor-path", "/next");
        given.put("request.timeout", "30000 ms");
        EndpointSpec spec = EndpointSpec.fromOptions(given);
        assertThat(spec.toOptions())
                .containsEntry("pagination.style", "cursor")
                .containsEntry("request.timeout", "30 s")
                .doesNotContainKey("retry.max-attempts");
        assertThat(spec.retry().maxAttempts()).isEqualTo(5);
    }

    static Map<String, String> minimal() {
        Map<String, String> o = new HashMap<>();
        o.put("url", "https://example.com/orders");
        o.put("response.records-path", "/data/items");
        return o;
    }

    static Stream<Arguments> invalidOptions() {
        return Stream.of(
                invalid(
                        "option 'response.records-path': '/data[' is not a valid JSON pointer",
                        "response.records-path",
                        "/data["),
                invalid(
                        "option 'response.records-path': '$.data' is not a valid JSON pointer (a pointer starts with '/'",
                        "response.records-path",
                        "$.data"),
                invalid(
                        "option 'response.error-code-path': 'code' is not a valid JSON pointer",
                        "response.error-code-path",
                        "/result;code"),
                invalid("option 'url' is required", "url", null),
                invalid(
                        "option 'url': 'example.com/x' is not an http:// or https:// URL",
                        "url",
                        "example.com/x"),
                invalid(
                        "option 'url': unterminated placeholder '${tenant.host/x' at index 8",
                        "url",
                        "https://${tenant.host/x"),
                invalid(
                        "option 'pagination.page_size' is unknown; did you mean 'pagination.page-size'?",
                        "pagination.page_size",
                        "10"),
                invalid(
                        "option 'request.param.begin': unknown placeholder ${windw.start}",
                        "request.param.begin",
                        "${windw.start}"),
                invalid(
                        "option 'request.param.c': placeholder ${cursor} is not available with pagination.style 'page'",
                        "request.param.c",
                        "${cursor}"),
                invalid(
                        "option 'pagination.style': 'pages' is not one of page, offset, cursor, keyset",
                        "pagination.style",
                        "pages"),
                invalid(
                        "option 'pagination.page-size': 'ten' is not an integer",
                        "pagination.page-size",
                        "ten"),
                invalid(
                        "option 'pagination.page-size': 0 is less than 1",
                        "pagination.page-size",
                        "0"),
                invalid(
                        "option 'pagination.start-page': 2 is neither 0 nor 1",
                        "pagination.start-page",
                        "2"),
                invalid(
                        "option 'request.timeout': 'soon' is not a duration",
                        "request.timeout",
                        "soon"),
                invalid(
                        "option 'window.end-inclusive': 'yes' is not true or false",
                        "window.end-inclusive",
                        "yes"),
                invalid(
                        "option 'time.format': 'yyyy-MM-dd bbb' is neither epoch-millis, epoch-seconds nor a valid DateTimeFormatter pattern",
                        "time.format",
                        "yyyy-MM-dd bbb"),
                invalid(
                        "option 'time.zone': 'Mars/Olympus' is not a time zone",
                        "time.zone",
                        "Mars/Olympus"),
                invalid(
                        "option 'error.ban-seconds-regex': '(\\d+' is not a valid regular expression",
                        "error.ban-seconds-regex",
                        "(\\d+"),
                invalid(
                        "option 'error.ban-seconds-regex' needs a group capturing the seconds",
                        "error.ban-seconds-regex",
                        "ban \\d+ s"),
                invalid(
                        "option 'error.retryable-statuses': 999 is not an HTTP status",
                        "error.retryable-statuses",
                        "408;999"),
                invalid(
                        "option 'request.body.kind': 'form' needs request.method = POST",
                        "request.body.kind",
                        "form"),
                invalid(
                        "option 'auth.token.param.code' is set but 'auth.token.url' is not",
                        "auth.token.param.code",
                        "${tenant.id}"),
                invalid(
                        "option 'auth.signer.secret-property' is set but 'auth.signer' is none",
                        "auth.signer.secret-property",
                        "x"),
                invalid(
                        "option 'response.total-kind' needs 'response.total-path'",
                        "response.total-kind",
                        "pages"),
                invalid(
                        "option 'pagination.max-records': 10 is less than one page of pagination.page-size 50",
                        "pagination.max-records",
                        "10"),
                invalid(
                        "option 'response.record.time-path' is required with a deep-paging cap without a total",
                        "pagination.max-pages",
                        "100"),
                invalid(
                        "option 'response.cursor-path' is required with pagination.style 'cursor'",
                        "pagination.style",
                        "cursor"),
                invalid(
                        "option 'response.record.id-path' is required with pagination.style 'keyset'",
                        "pagination.style",
                        "keyset"),
                invalid(
                        "option 'response.max-body-size': 'huge' is not a size like '16 mb'",
                        "response.max-body-size",
                        "huge"),
                invalid(
                        "option 'response.max-body-size' must be positive",
                        "response.max-body-size",
                        "0 b"),
                invalid(
                        "option 'retry.max-platform-wait' must be positive",
                        "retry.max-platform-wait",
                        "0 s"));
    }

    private static Arguments invalid(String message, String key, String value) {
        return Arguments.of(message, key, value);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidOptions")
    void invalidOptionsAreRefusedNamingTheOption(String message, String key, String value) {
        Map<String, String> o = minimal();
        if (value == null) o.remove(key);
        else o.put(key, value);
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void anEndFlagIsAHasNextOrALastPageFlagNeverBoth() {
        Map<String, String> o = minimal();
        o.put("response.last-page-path", "/data/isLastData");
        assertThat(EndpointSpec.fromOptions(o).response().lastPagePath())
                .isEqualTo("/data/isLastData");
        o.put("response.has-next-path", "/data/hasMore");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "option 'response.last-page-path' is set together with 'response.has-next-path'");
        o.remove("response.has-next-path");
        o.put("response.last-page-path", "data/isLastData");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessageContaining("option 'response.last-page-path'");
    }

    @ParameterizedTest
    @EnumSource(PaginationStyle.class)
    void everyPagingStyleDeclaresTheEndFlagsItHonours(PaginationStyle style) {
        assertThat(style.paging().endFlags())
                .contains(
                        EndpointOptions.RESPONSE_LAST_PAGE_PATH,
                        EndpointOptions.RESPONSE_HAS_NEXT_PATH);
        assertThat(style.paging().endsBy()).contains("end flag");
    }

    @Test
    void aScanNeedsEveryRecordsIdAndTimeWhileALookupDoesNot() {
        Map<String, String> o = minimal();
        EndpointSpec lookup = EndpointSpec.fromOptions(o);
        assertThatThrownBy(lookup::requireScanFields)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "option 'response.record.id-path' is required with a scan source");
        o.put("response.record.id-path", "/id");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o).requireScanFields())
                .hasMessageStartingWith(
                        "option 'response.record.time-path' is required with a scan source");
        o.put("response.record.time-path", "/t");
        EndpointSpec.fromOptions(o).requireScanFields();
    }

    @Test
    void theShapeChecksHaveSafeDefaults() {
        EndpointSpec spec = EndpointSpec.fromOptions(minimal());
        assertThat(spec.pagination().shortPageEnds()).isFalse();
        assertThat(spec.response().recordsMayBeAbsent()).isFalse();
        assertThat(spec.response().maxBodyBytes()).isEqualTo(16L << 20);
        assertThat(spec.retry().maxPlatformWait()).isEqualTo(Duration.ofMinutes(10));
        Map<String, String> o = minimal();
        o.put("response.max-body-size", "512kb");
        assertThat(EndpointSpec.fromOptions(o).response().maxBodyBytes()).isEqualTo(512L << 10);
        assertThat(EndpointSpec.fromOptions(o).toOptions())
                .containsEntry("response.max-body-size", "512 kb");
    }

    @Test
    void pageSizeMustNotExceedThePlatformsMaximum() {
        Map<String, String> o = EndpointPresets.kuaishouOrders();
        o.put("pagination.page-size", "100");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessage(
                        "option 'pagination.page-size': 100 exceeds 'pagination.max-page-size' 50");
    }

    @Test
    void jsonTemplatesMustBeJsonAndQuoteTheirText() {
        Map<String, String> broken = EndpointPresets.kuaishouOrders();
        broken.put("request.biz-param.template", "{\"pageSize\":${pageSize}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(broken))
                .hasMessageStartingWith(
                        "option 'request.biz-param.template' is not a JSON document once its placeholders are filled");

        Map<String, String> unquoted = EndpointPresets.kuaishouOrders();
        unquoted.put("request.biz-param.template", "{\"cursor\":${cursor}}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(unquoted))
                .hasMessage(
                        "option 'request.biz-param.template': "
                                + "placeholder ${cursor} gives text and must stand inside a JSON string: \"${cursor}\"");

        Map<String, String> patternTime = EndpointPresets.jushuitanOrders();
        patternTime.put("request.biz-param.template", "{\"modified_begin\":${window.start}}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(patternTime))
                .hasMessageContaining("placeholder ${window.start} gives text");
    }

    @Test
    void tokenRequestsSeeOnlyTheTenantAndTheClock() {
        Map<String, String> o = EndpointPresets.youzanTrades();
        o.put("auth.token.param.since", "${window.start}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessage(
                        "option 'auth.token.param.since': placeholder ${window.start} is not available in a token request");
        Map<String, String> noPath = EndpointPresets.youzanTrades();
        noPath.remove("auth.token.path");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(noPath))
                .hasMessage("option 'auth.token.path' is required");
    }

    @Test
    void placeholdersOfOtherStylesAreRefused() {
        Map<String, String> o = EndpointPresets.kuaishouOrders();
        o.put("request.param.page_no", "${page}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessage(
                        "option 'request.param.page_no': placeholder ${page} is not available with pagination.style 'cursor' (only with [page, offset])");
    }

    @Test
    void bizParamNeedsBothNameAndTemplate() {
        Map<String, String> o = minimal();
        o.put("request.biz-param.name", "param");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessage(
                        "option 'request.biz-param.template' is required together with 'request.biz-param.name'");
    }

    @Test
    void rotatingRefreshTokensNeedATokenRequestThatReadsTheRefreshTokenProperty() {
        EndpointSpec.AuthSettings auth =
                EndpointSpec.fromOptions(kuaishouWithRefreshTokens()).auth();
        assertThat(auth.rotatesRefreshTokens()).isTrue();
        assertThat(auth.refreshTokenPath()).isEqualTo("/refresh_token");
        assertThat(auth.refreshTokenProperty()).isEqualTo("refresh-token");
        assertThat(
                        EndpointSpec.fromOptions(EndpointPresets.youzanTrades())
                                .auth()
                                .rotatesRefreshTokens())
                .isFalse();

        Map<String, String> otherProperty = kuaishouWithRefreshTokens();
        otherProperty.put("auth.token.refresh-token-property", "rt");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(otherProperty))
                .hasMessage(
                        "option 'auth.token.refresh-token-path' is set"
                                + " but no token request template reads the refresh token as ${tenant.rt} (option 'auth.token.refresh-token-property')");
        assertThat(
                        EndpointSpec.fromOptions(jushuitanWithRefreshTokens())
                                .auth()
                                .tokenRequestSigned())
                .isTrue();
        Map<String, String> unsigned = kuaishouWithRefreshTokens();
        unsigned.put("auth.signer", "none");
        unsigned.put("auth.token.signed", "true");
        unsigned.remove("auth.signer.secret-property");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(unsigned))
                .hasMessage("option 'auth.token.signed' is true but 'auth.signer' is none");
        Map<String, String> noTokenUrl = EndpointPresets.kuaishouOrders();
        noTokenUrl.put("auth.token.refresh-token-path", "/refresh_token");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(noTokenUrl))
                .hasMessage(
                        "option 'auth.token.refresh-token-path' is set but 'auth.token.url' is not");
    }

    @Test
    void aTokenEndpointNeedsATemplateThatUsesTheToken() {
        Map<String, String> o = EndpointPresets.youzanTrades();
        o.remove("request.param.access_token");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessage("option 'auth.token.url' is set but no request template uses ${token}");
    }

    @Test
    void toStringMasksLiteralSecretsButShowsTemplates() {
        Map<String, String> o = EndpointPresets.taobaoTradesIncrement();
        o.put("request.param.app_secret", "LiteralSecret123");
        o.put("request.header.Authorization", "Bearer LiteralToken456");
        String shown = EndpointSpec.fromOptions(o).toString();
        assertThat(shown)
                .doesNotContain("LiteralSecret123", "LiteralToken456")
                .contains("request.param.session=${token}", "request.param.app_secret=******");
    }

    @Test
    void sqlFactoryCanTellEndpointKeysApart() {
        assertThat(EndpointOptions.isEndpointKey("request.param.appkey")).isTrue();
        assertThat(EndpointOptions.isEndpointKey("pagination.style")).isTrue();
        assertThat(EndpointOptions.isEndpointKey("connector")).isFalse();
        assertThat(EndpointOptions.isEndpointKey("request.param.")).isFalse();
        assertThat(EndpointOptions.all())
                .containsKeys("url", "auth.token.refresh-margin", "retry.rate-limited-wait");
    }
}
