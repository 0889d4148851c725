package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.List;
import java.util.UUID;

/**
 * Splits the source's elements into records and a side output of exception events:
 *
 * <pre>{@code
 * DataStream<SyncElement<RawRecord>> elements = env.fromSource(source, source.watermarkStrategy(), "orders").uid("orders-source");
 * SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
 * DataStream<ExceptionEvent> events = records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
 * DataStream<TenantPosition> positions = records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS);   // if emitted
 * DataStream<Long> position = HttpSyncStreams.syncPosition(elements, "orders");
 * }</pre>
 */
@PublicEvolving
public final class HttpSyncStreams {
    public static final OutputTag<ExceptionEvent> EXCEPTION_EVENTS =
            new OutputTag<>("httpsync-exception-events", TypeInformation.of(ExceptionEvent.class));

    /**
     * The tenants' sync positions, if the source emits them ({@link
     * HttpSyncSourceBuilder#setEmitTenantPositions}).
     */
    public static final OutputTag<TenantPosition> TENANT_POSITIONS =
            new OutputTag<>("httpsync-tenant-positions", TypeInformation.of(TenantPosition.class));

    private HttpSyncStreams() {}

    /**
     * The records of {@code elements}; exception events go to {@link #EXCEPTION_EVENTS}, tenant
     * positions to {@link #TENANT_POSITIONS}. The operator's uid is {@code <name>-records}
     * (stateless, but stable uids keep savepoints portable).
     */
    public static <T> SingleOutputStreamOperator<T> records(
            DataStream<SyncElement<T>> elements, TypeInformation<T> type, String name) {
        return elements.process(new Split<T>(), type)
                .uid(name + "-records")
                .name(name + " records");
    }

    /**
     * The sync position (epoch millis through which every tenant's data is in), one element each
     * time it advances: the minimum over all readers, computed by one task from the source's
     * watermarks.
     */
    public static <T> SingleOutputStreamOperator<Long> syncPosition(
            DataStream<SyncElement<T>> elements, String name) {
        return elements.transform(
                        name + " sync position",
                        Types.LONG,
                        new SyncProgressOperator<SyncElement<T>>())
                .uid(name + "-sync-position")
                .setParallelism(1);
    }

    /**
     * The records of a {@link DependentEndpoint} driven by {@code parents}, the records of {@code
     * source}: the ids each parent refers to, each fetched once per job until a parent referring to
     * it changes or the endpoint's TTL passes (keyed state), asynchronously under the child
     * endpoint's rate limits. Failures go to {@link #EXCEPTION_EVENTS} of the returned stream, with
     * the parent, the id and the page. Uids: {@code <name>-ids} and {@code <name>-fetch} (keyed
     * state: keep them stable).
     *
     * <p>The tenants are the source's: its fixed list and its tenant registry, read again as the
     * source reads it. With the registry's token store, the child's requests use the source's
     * tenant tokens, read and refreshed through that store (its token request, {@code
     * auth.token.*}, must then be the source's). Without a store every parallel instance fetches
     * its own tokens, which a token request spending a rotating refresh token cannot do.
     *
     * <pre>{@code
     * SingleOutputStreamOperator<RawRecord> details = HttpSyncStreams.dependent(orders,
     *         DependentEndpoint.detailPerId(orderDetail, "/oid").build(), source, "details");
     * DataStream<ExceptionEvent> detailEvents = details.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
     * }</pre>
     *
     * @throws IllegalArgumentException if the child's token request spends a rotating refresh token
     *     ({@code auth.token.refresh-token-path}) and the source keeps no token store, or it
     *     differs from the source's while sharing the store
     */
    public static SingleOutputStreamOperator<RawRecord> dependent(
            DataStream<RawRecord> parents,
            DependentEndpoint child,
            HttpSyncSource<?> source,
            String name) {
        return dependent(parents, child, DependentTenants.Spec.of(source), source.budgetId, name);
    }

    /**
     * As {@link #dependent(DataStream, DependentEndpoint, HttpSyncSource, String)}, for parents
     * that come from elsewhere, with a fixed list of tenants: every parallel instance fetches its
     * own tokens.
     *
     * <pre>{@code
     * SingleOutputStreamOperator<RawRecord> orgs = HttpSyncStreams.dependent(employees,
     *         DependentEndpoint.detailPerId(orgDetail, "/oIdOrganization").build(), tenants, "orgs");
     * DataStream<ExceptionEvent> orgEvents = orgs.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
     * }</pre>
     *
     * @param tenants the tenants' credentials and properties, as the parents' source has them
     * @throws IllegalArgumentException if the child's token request spends a rotating refresh token
     *     ({@code auth.token.refresh-token-path}): without a token store it cannot be shared
     */
    public static SingleOutputStreamOperator<RawRecord> dependent(
            DataStream<RawRecord> parents,
            DependentEndpoint child,
            List<Tenant> tenants,
            String name) {
        return dependent(
                parents,
                child,
                DependentTenants.Spec.of(tenants),
                UUID.randomUUID().toString(),
                name);
    }

    private static SingleOutputStreamOperator<RawRecord> dependent(
            DataStream<RawRecord> parents,
            DependentEndpoint child,
            DependentTenants.Spec tenants,
            String budgetId,
            String name) {
        DependentFetchOperator.Factory fetch =
                new DependentFetchOperator.Factory(child, tenants, budgetId);
        SingleOutputStreamOperator<ChildRequest> requests =
                parents.process(
                                new ChildIds(child.idsPath()),
                                TypeInformation.of(ChildRequest.class))
                        .uid(name + "-ids")
                        .name(name + " ids");
        return requests.keyBy(ChildRequest::key, Types.STRING)
                .transform(name + " fetch", TypeInformation.of(RawRecord.class), fetch)
                .uid(name + "-fetch");
    }

    private static final class Split<T> extends ProcessFunction<SyncElement<T>, T> {
        @Override
        public void processElement(SyncElement<T> element, Context ctx, Collector<T> out) {
            if (element.isRecord()) out.collect(element.record());
            else if (element.isException()) ctx.output(EXCEPTION_EVENTS, element.exception());
            else if (element.isPosition()) ctx.output(TENANT_POSITIONS, element.position());
            // pass markers matter only to PassChangelog, which takes the elements themselves
        }
    }
}
