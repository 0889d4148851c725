package io.httpsync.connector.source;

import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.OptionReader;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import com.fasterxml.jackson.core.JsonPointer;

import javax.annotation.Nullable;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An endpoint whose requests are driven by the records of another stream (its parents): ids read
 * from each parent record at {@link #IDS_PATH} (a value, or an array of values) ask a child
 * endpoint for
 *
 * <ul>
 *   <li>{@link Kind#DETAIL}: one record per id (a detail API, {@code response.single-record =
 *       true}), or
 *   <li>{@link Kind#LIST}: every record listed for the id (a list API per parent id), paged with
 *       the child endpoint's own pagination; a listing whose cursor expires (one of {@link
 *       #CURSOR_EXPIRED_CODES}) starts again from its first page, and records it already emitted
 *       (by {@code response.record.id-path}) are not emitted again.
 * </ul>
 *
 * The id is given to the child's templates as {@code ${tenant.record.id}}, the parent record's id
 * as {@code ${tenant.parent.id}}; every other tenant property as the tenant has it.
 *
 * <p>Ids are deduped across the job: an id fetched once is not fetched again until a parent that
 * refers to it changes (its content, update time included), or {@link #TTL} passes; a new parent
 * referring to an id already fetched does not fetch it again. Use with {@link
 * HttpSyncStreams#dependent}.
 *
 * <p>Options (the child endpoint's options, plus the {@code dependent.*} ones of this class) make
 * the same description in a config file as in code: {@link #fromOptions}. Immutable and
 * serializable.
 */
@PublicEvolving
public final class DependentEndpoint implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    /** The tenant property that carries the parent record's id ({@code ${tenant.parent.id}}). */
    public static final String PARENT_ID_PROPERTY = "parent.id";

    /**
     * The tenant property that carries the id asked about ({@code ${tenant.record.id}}), as for a
     * full pass's detail check.
     */
    public static final String ID_PROPERTY = DetailApiCheck.ID_PROPERTY;

    /** What the child endpoint answers for one id. */
    @PublicEvolving
    public enum Kind implements OptionEnum {
        /** One record (a detail API, {@code response.single-record = true}). */
        DETAIL,
        /** A list of records, paged (a list API per parent id). */
        LIST
    }

    public static final ConfigOption<Kind> KIND =
            ConfigOptions.key("dependent.kind")
                    .enumType(Kind.class)
                    .defaultValue(Kind.DETAIL)
                    .withDescription(
                            "detail: one request per id, answered with one record ('response.single-record' = true);"
                                    + " list: a list API per id, paged with the endpoint's own 'pagination.*'.");
    public static final ConfigOption<String> IDS_PATH =
            ConfigOptions.key("dependent.ids-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer to the id(s) in each parent record (required): a value, or an array of"
                                    + " values; a parent without it asks for nothing. The id is ${tenant.record.id}"
                                    + " in the child's templates, the parent's id ${tenant.parent.id}.");
    public static final ConfigOption<Duration> TTL =
            ConfigOptions.key("dependent.ttl")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How long an id fetched stays fresh: a parent referring to it after that fetches it again."
                                    + " Default: until a parent referring to it changes.");
    public static final ConfigOption<List<String>> CURSOR_EXPIRED_CODES =
            ConfigOptions.key("dependent.cursor-expired-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "list: the platform's codes (at 'response.error-code-path') for a cursor that expired;"
                                    + " the listing then starts again from its first page, emitting only records it"
                                    + " has not emitted yet.");
    public static final ConfigOption<Integer> MAX_RESTARTS =
            ConfigOptions.key("dependent.max-restarts")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "list: how often one listing may start again after its cursor expired before it"
                                    + " fails with an exception event.");
    public static final ConfigOption<Integer> MAX_IN_FLIGHT =
            ConfigOptions.key("dependent.max-in-flight")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "How many ids one parallel instance asks about at once (a listing counts as one);"
                                    + " the rate limit decides how fast they go.");

    private final EndpointSpec endpoint;
    private final Kind kind;
    private final String idsPath;
    @Nullable private final Duration ttl;
    private final List<String> cursorExpiredCodes;
    private final int maxRestarts;
    private final int maxInFlight;

    private DependentEndpoint(Builder b) {
        this.endpoint = b.endpoint;
        this.kind = b.kind;
        this.idsPath = b.idsPath;
        this.ttl = b.ttl;
        this.cursorExpiredCodes = List.copyOf(b.cursorExpiredCodes);
        this.maxRestarts = b.maxRestarts;
        this.maxInFlight = b.maxInFlight;
    }

    /** A detail API asked once per id. */
    public static Builder detailPerId(EndpointSpec endpoint, String idsPath) {
        return new Builder(endpoint, Kind.DETAIL, idsPath);
    }

    /** A list API paged through once per parent id. */
    public static Builder listPerParent(EndpointSpec endpoint, String idsPath) {
        return new Builder(endpoint, Kind.LIST, idsPath);
    }

    /** The {@code dependent.*} options of this class, for docs and for telling keys apart. */
    public static List<ConfigOption<?>> options() {
        return List.of(KIND, IDS_PATH, TTL, CURSOR_EXPIRED_CODES, MAX_RESTARTS, MAX_IN_FLIGHT);
    }

    /** Whether {@code key} is an option of a dependent endpoint (its own or its endpoint's). */
    public static boolean isKey(String key) {
        return EndpointOptions.isEndpointKey(key)
                || options().stream().anyMatch(o -> o.key().equals(key));
    }

    /**
     * Reads a dependent endpoint from the child endpoint's options and the {@code dependent.*}
     * options.
     *
     * @throws IllegalArgumentException naming the option that is missing, unknown or invalid
     */
    public static DependentEndpoint fromOptions(Map<String, String> options) {
        Map<String, String> endpointOptions = new TreeMap<>();
        Map<String, String> own = new TreeMap<>();
        Set<String> ownKeys = Set.copyOf(options().stream().map(ConfigOption::key).toList());
        options.forEach((k, v) -> (ownKeys.contains(k) ? own : endpointOptions).put(k, v));
        OptionReader r = new OptionReader(own);
        Builder b =
                new Builder(
                        EndpointSpec.fromOptions(endpointOptions),
                        r.enumValue(KIND, Kind.class),
                        r.requiredString(IDS_PATH));
        Duration ttl = r.duration(TTL, true);
        if (ttl != null) b.ttl(ttl);
        List<String> codes = r.stringList(CURSOR_EXPIRED_CODES);
        if (codes != null) b.cursorExpiredCodes(codes);
        b.maxRestarts(r.integer(MAX_RESTARTS, 0));
        b.maxInFlight(r.integer(MAX_IN_FLIGHT, 1));
        return b.build();
    }

    public EndpointSpec endpoint() {
        return endpoint;
    }

    public Kind kind() {
        return kind;
    }

    public String idsPath() {
        return idsPath;
    }

    /** How long a fetched id stays fresh, or null: until a parent referring to it changes. */
    @Nullable
    public Duration ttl() {
        return ttl;
    }

    public List<String> cursorExpiredCodes() {
        return cursorExpiredCodes;
    }

    public int maxRestarts() {
        return maxRestarts;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    /** Sets up a {@link DependentEndpoint}; {@link #build} validates it. */
    @PublicEvolving
    public static final class Builder {
        private final EndpointSpec endpoint;
        private final Kind kind;
        private final String idsPath;
        @Nullable private Duration ttl;
        private List<String> cursorExpiredCodes = List.of();
        private int maxRestarts = MAX_RESTARTS.defaultValue();
        private int maxInFlight = MAX_IN_FLIGHT.defaultValue();

        private Builder(EndpointSpec endpoint, Kind kind, String idsPath) {
            this.endpoint = endpoint;
            this.kind = kind;
            this.idsPath = idsPath;
        }

        /** See {@link DependentEndpoint#TTL}. */
        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        /** See {@link DependentEndpoint#CURSOR_EXPIRED_CODES}. */
        public Builder cursorExpiredCodes(List<String> codes) {
            this.cursorExpiredCodes = List.copyOf(codes);
            return this;
        }

        /** See {@link DependentEndpoint#MAX_RESTARTS}. */
        public Builder maxRestarts(int maxRestarts) {
            this.maxRestarts = maxRestarts;
            return this;
        }

        /** See {@link DependentEndpoint#MAX_IN_FLIGHT}. */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the option that is missing or invalid
         */
        public DependentEndpoint build() {
            if (idsPath == null || idsPath.isBlank())
                throw OptionReader.invalid(IDS_PATH, "is required");
            try {
                JsonPointer.compile(idsPath);
            } catch (IllegalArgumentException e) {
                throw OptionReader.invalid(
                        IDS_PATH, "'" + idsPath + "' is not a JSON pointer (like /org/id)");
            }
            if (kind == Kind.DETAIL && !endpoint.response().singleRecord())
                throw OptionReader.invalid(
                        EndpointOptions.RESPONSE_SINGLE_RECORD.key(),
                        "must be true for the detail API "
                                + endpoint.name()
                                + " ("
                                + KIND.key()
                                + " = detail)");
            if (kind == Kind.LIST && endpoint.response().recordIdPath() == null)
                throw OptionReader.invalid(
                        EndpointOptions.RESPONSE_RECORD_ID_PATH.key(),
                        "is required for the list API "
                                + endpoint.name()
                                + " ("
                                + KIND.key()
                                + " = list): a listing that starts again emits each record once, by"
                                + " its id");
            if (ttl != null && (ttl.isNegative() || ttl.isZero()))
                throw OptionReader.invalid(TTL, "must be positive");
            if (maxRestarts < 0) throw OptionReader.invalid(MAX_RESTARTS, "must not be negative");
            if (maxInFlight < 1) throw OptionReader.invalid(MAX_IN_FLIGHT, "must be at least 1");
            return new DependentEndpoint(this);
        }
    }
}
