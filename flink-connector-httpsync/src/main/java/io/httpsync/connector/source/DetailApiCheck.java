package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.http.RequestFailedException;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link CandidateCheck} against the platform's detail API: one request per row, through the same
 * {@link PageFetcher} as the source (templates, signing, tokens, retries, the endpoint's rate
 * limits). The row's id is given to the templates as the tenant property {@value #ID_PROPERTY},
 * written {@code ${tenant.record.id}} (e.g. {@code 'request.biz-param.template' =
 * '{"oid":"${tenant.record.id}"}'}), and the endpoint says {@code response.single-record = true}.
 *
 * <p>A record is gone when the platform answers without the record (the single record missing from
 * a successful answer), or fails the request for good ({@link ResponseKind#FATAL}) with one of the
 * platform's not-found codes and, if given, a message containing the not-found text (Kuaishou: code
 * {@code 2001}, "订单不存在"). Any other answer, or a request that fails after its retries, leaves the
 * row live and is logged.
 *
 * <p>Thread contract: {@link #gone} blocks its caller until every answer is in; the requests run
 * concurrently on the fetcher's I/O threads under the endpoint's rate limit. One fetcher per call,
 * closed before it returns.
 */
@PublicEvolving
public final class DetailApiCheck implements CandidateCheck {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DetailApiCheck.class);

    /** The tenant property that carries the id of the row asked about. */
    public static final String ID_PROPERTY = "record.id";

    private final EndpointSpec endpoint;
    private final Map<String, Tenant> tenants = new HashMap<>();
    private final Set<String> notFoundCodes;
    @Nullable private final String notFoundMessage;

    /**
     * @param endpoint the detail API ({@code response.single-record = true})
     * @param tenants the tenants' credentials, as the source has them
     * @param notFoundCodes the platform's codes (at {@code response.error-code-path}) that can mean
     *     "no such record"
     * @param notFoundMessage text the message must contain for such a code to mean it (null: the
     *     code alone)
     */
    public DetailApiCheck(
            EndpointSpec endpoint,
            List<Tenant> tenants,
            Set<String> notFoundCodes,
            @Nullable String notFoundMessage) {
        if (!endpoint.response().singleRecord()) {
            throw new IllegalArgumentException(
                    "the detail API "
                            + endpoint.name()
                            + " of a full pass's check needs"
                            + " 'response.single-record' = true");
        }
        this.endpoint = endpoint;
        tenants.forEach(t -> this.tenants.put(t.id(), t));
        this.notFoundCodes = Set.copyOf(notFoundCodes);
        this.notFoundMessage = notFoundMessage;
    }

    @Override
    public Set<String> gone(String tenantId, List<String> ids) throws Exception {
        Tenant tenant = tenants.get(tenantId);
        if (tenant == null)
            throw new IllegalArgumentException(
                    "the detail API check has no credentials for tenant " + tenantId);
        if (ids.isEmpty()) return Set.of();
        HierarchicalRateLimiter limiter =
                HierarchicalRateLimiter.evenShare(endpoint.rateLimits(), 1);
        try (PageFetcher fetcher = PageFetcher.withActivityLog(endpoint, limiter)) {
            long now = System.currentTimeMillis();
            Map<String, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
            for (String id : ids) {
                Map<String, String> properties = new HashMap<>(tenant.properties());
                properties.put(ID_PROPERTY, id);
                // a detail request has no window; the fetcher's window only fills window
                // placeholders, which it does not use
                answers.put(
                        id,
                        fetcher.fetch(
                                        Tenant.of(tenantId, properties),
                                        now - 1,
                                        now,
                                        fetcher.pagination().first())
                                .handle((page, error) -> isGone(tenantId, id, page, error)));
            }
            CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).join();
            Set<String> gone = new TreeSet<>();
            answers.forEach(
                    (id, answer) -> {
                        if (answer.join()) gone.add(id);
                    });
            return gone;
        } finally {
            limiter.close();
        }
    }

    private boolean isGone(
            String tenant, String id, @Nullable Page page, @Nullable Throwable error) {
        if (error == null) return page.records().isEmpty();
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        if (cause instanceof RequestFailedException failed) {
            ExceptionEvent e = failed.event();
            if (e.kind() == ResponseKind.FATAL
                    && e.platformCode() != null
                    && notFoundCodes.contains(e.platformCode())
                    && (notFoundMessage == null
                            || (e.message() != null && e.message().contains(notFoundMessage)))) {
                return true;
            }
        }
        LOG.warn(
                "full pass check: the platform did not say whether record {} of tenant {} exists ({}); its row stays live",
                id,
                tenant,
                cause.getMessage());
        return false;
    }
}
