package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.RecordsOnlySource;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.testframe.external.ExternalSystemSplitDataWriter;
import org.apache.flink.connector.testframe.external.source.DataStreamSourceExternalContext;
import org.apache.flink.connector.testframe.external.source.TestingSourceSettings;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * The "external system" of Flink's connector test suite for {@link HttpSyncSource}: a simulated
 * Kuaishou app with {@value #SHOPS} shops and no orders. A split of the suite is a shop: its data
 * writer inserts one order per test record with the record as the buyer nick, and the source under
 * test reads the buyer nicks back.
 *
 * <p>Invariants the suite relies on:
 *
 * <ul>
 *   <li><b>Order within a split.</b> All records of one {@code writeRecords} call get the same
 *       update time, so they land in the same window whatever the window boundaries, and the
 *       platform lists records of equal update time by id, which is insertion order. (Records of
 *       two calls to the same writer are compared separately by the suite, always after the first
 *       call's records were read.)
 *   <li><b>Bounded:</b> the source syncs {@code [created - 1 h, created - 2 min)}, a range the
 *       bounded plan accepts (it must end before now minus the default lag), and the writer puts
 *       every batch inside it.
 *   <li><b>Continuous:</b> the source follows the platform from {@code created - 1 min} with a
 *       short lag; the writer puts each batch at the platform's "now", which is ahead of the sync
 *       position, so the source finds it in a later window, also after a restore or a failover.
 *   <li>The source is built with all shops up front (the suite may create the source before the
 *       writers).
 * </ul>
 *
 * <p>Each context owns its simulator on a free port, so test cases do not see each other's orders.
 */
final class KuaishouShopsExternalContext implements DataStreamSourceExternalContext<String> {
    /** The most splits any case of the suite writes. */
    static final int SHOPS = 4;

    private static final String APP_KEY = "ks-suite-app";
    private static final String APP_SECRET = "ks-suite-app-secret";
    private static final String SIGN_SECRET = "ks-suite-sign-secret";
    private static final Duration CONTINUOUS_LAG = Duration.ofMillis(300);
    private static final Duration DISCOVERY_INTERVAL = Duration.ofMillis(100);

    private final Simulator sim;
    private final KuaishouSim kuaishou;
    private final long boundedStart;
    private final long boundedEnd;
    private final long continuousStart;
    private int writers;

    KuaishouShopsExternalContext(long seed) {
        sim = new Simulator(seed);
        kuaishou = sim.add(KuaishouSim::new);
        for (String shop : shops()) {
            kuaishou.addTenant(
                    shop,
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(0, Duration.ofDays(1).toMillis()).timeResolutionMillis(1));
        }
        sim.start(0);
        long created = System.currentTimeMillis();
        boundedStart = created - Duration.ofHours(1).toMillis();
        boundedEnd = created - Duration.ofMinutes(2).toMillis();
        continuousStart = created - Duration.ofMinutes(1).toMillis();
    }

    private static List<String> shops() {
        return IntStream.range(0, SHOPS).mapToObj(i -> "shop-" + i).toList();
    }

    @Override
    public Source<String, ?, ?> createSource(TestingSourceSettings settings) {
        String base = sim.baseUrl(KuaishouSim.NAME);
        Map<String, String> options = KuaishouSimulatorFixture.presetAgainst(base);
        options.put("retry.initial-backoff", "20 ms");
        options.put("retry.max-backoff", "200 ms");
        HttpSyncSourceBuilder<String> builder =
                HttpSyncSource.<String>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(
                                shops().stream()
                                        .map(
                                                shop ->
                                                        Tenant.of(
                                                                shop,
                                                                Map.of(
                                                                        "app-key",
                                                                        APP_KEY,
                                                                        "app-secret",
                                                                        APP_SECRET,
                                                                        "sign-secret",
                                                                        SIGN_SECRET)))
                                        .toList())
                        .setRateLimit(1000, 100)
                        .setDeserializer(new BuyerNickDeserializer())
                        .setExceptionPolicy(ExceptionPolicy.FAIL);
        if (settings.getBoundedness() == Boundedness.BOUNDED) {
            builder.setBounded(
                    Instant.ofEpochMilli(boundedStart), Instant.ofEpochMilli(boundedEnd));
        } else {
            builder.setContinuous(
                    Instant.ofEpochMilli(continuousStart), CONTINUOUS_LAG, DISCOVERY_INTERVAL);
        }
        return RecordsOnlySource.of(builder.build(), Types.STRING);
    }

    @Override
    public ExternalSystemSplitDataWriter<String> createSourceSplitDataWriter(
            TestingSourceSettings settings) {
        if (writers == SHOPS) {
            throw new IllegalStateException(
                    "The test asked for split "
                            + (writers + 1)
                            + " but the context has only "
                            + SHOPS
                            + " shops; raise KuaishouShopsExternalContext.SHOPS");
        }
        TenantData shop = kuaishou.tenant(shops().get(writers++));
        LongSupplier batchTime =
                settings.getBoundedness() == Boundedness.BOUNDED
                        ? () -> (boundedStart + boundedEnd) / 2
                        : sim.clock()::now;
        return new ShopWriter(shop, batchTime);
    }

    @Override
    public List<String> generateTestData(
            TestingSourceSettings settings, int splitIndex, long seed) {
        Random random = new Random(seed);
        // more than one page (50) now and then, so that paging is part of what is checked
        int count = 20 + random.nextInt(100);
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // split and seed make records of different splits and batches unequal, as the suite
            // requires
            records.add("split-" + splitIndex + "-" + Long.toHexString(seed) + "-" + i);
        }
        return records;
    }

    @Override
    public List<URL> getConnectorJarPaths() {
        return List.of();
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    @Override
    public void close() {
        sim.close();
    }

    @Override
    public String toString() {
        return "Kuaishou shops (simulator)";
    }

    /** Inserts every batch of records into one shop, all at one update time. */
    private record ShopWriter(TenantData shop, LongSupplier batchTime)
            implements ExternalSystemSplitDataWriter<String> {
        @Override
        public void writeRecords(List<String> records) {
            long time = batchTime.getAsLong();
            records.forEach(record -> shop.insert(time, record));
        }

        @Override
        public void close() {}
    }

    /** Each order's buyer nick, where the writer put the test record. */
    private static final class BuyerNickDeserializer implements RecordDeserializer<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String deserialize(JsonNode record, RecordMeta meta) throws IOException {
            JsonNode nick = record.at("/orderBaseInfo/buyerNick");
            if (!nick.isTextual()) {
                throw new IOException(
                        "order "
                                + meta.id()
                                + " of "
                                + meta.tenant()
                                + " has no /orderBaseInfo/buyerNick");
            }
            return nick.asText();
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }
}
