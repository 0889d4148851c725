package io.httpsync.contacts.fetch;

import org.apache.flink.annotation.Internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The places of a {@link CorpGate} kept in Redis, so that every process and job using the same
 * Redis, platform and rate-limit namespace (egress IP) shares one cap: a counting semaphore with
 * expiring leases and a first-come-first-served line.
 *
 * <p>Four keys per platform and namespace, with one hash tag (one slot on a Redis Cluster):
 *
 * <ul>
 *   <li>{@code holders}: a sorted set of the tickets holding a place, scored by when their lease
 *       ends (Redis's clock); a holder renews it every third of the lease while its corp fetches,
 *       so a process that dies (or loses Redis for longer than the lease) frees its places within
 *       one lease;
 *   <li>{@code line}: the tickets waiting, scored by a number drawn from {@code seq} when they
 *       came: the line is in arrival order over all processes;
 *   <li>{@code alive}: the waiting tickets scored by when they are given up: a waiter that stops
 *       asking (its process died) leaves the line within one lease instead of blocking it.
 * </ul>
 *
 * <p>One Lua script ({@link #TAKE}) does a waiter's whole step atomically: drop expired holders and
 * waiters, join the line if not in it, and take a place if the waiter is among the first {@code cap
 * - holders} of the line. Waiters run it every {@link #pollMillis} (a place freed in another
 * process is seen within that), so the line moves in arrival order: no job can overtake another's
 * waiting corps, however often it asks. Time is Redis's ({@code TIME}), so the processes' clocks do
 * not matter. Every call sets the keys to expire after three leases, so a platform nobody syncs any
 * more leaves nothing in Redis.
 *
 * <p>Why a script on the Lettuce client the connector already uses rather than a library: Redisson
 * has a semaphore with expiring permits ({@code RPermitExpirableSemaphore}), but its waiters are
 * not served in order (no fair variant), and it brings its own Netty-based client and codecs
 * (several MB, another Netty next to Flink's and Lettuce's) into the job jar; the semaphore here is
 * three short scripts.
 *
 * <p>Thread contract: {@link #take} may be called from any number of threads (each blocks while its
 * corp waits); the Lettuce connection is thread-safe; the held tickets are a concurrent set renewed
 * by one daemon thread of this object. {@link #close} stops renewing and closes the connection: the
 * places still held are then left to expire, like a process that died.
 */
@Internal
final class RedisCorpPlaces implements CorpGate.Places {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCorpPlaces.class);

    /** Redis's clock in milliseconds, then expired holders and given-up waiters are dropped. */
    private static final String PRELUDE =
            "local t = redis.call('TIME')\n"
                    + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
                    + "local lease = tonumber(ARGV[2])\n"
                    + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
                    + "local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)\n"
                    + "for _, g in ipairs(gone) do redis.call('ZREM', KEYS[2], g) end\n"
                    + "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)\n";

    /** After the writes (a key created after its PEXPIRE would never expire). */
    private static final String EXPIRE_ALL =
            "for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, 3 * lease) end\n";

    /**
     * KEYS holders, line, alive, seq; ARGV ticket, lease ms, cap. Returns 0 if the ticket holds a
     * place now, else its place in the line beyond the free places (1: next).
     */
    static final String TAKE =
            PRELUDE
                    + "local result\n"
                    + "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then\n"
                    + "  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])\n"
                    + "  result = 0\n"
                    + "else\n"
                    + "  if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then\n"
                    + "    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[1])\n"
                    + "  end\n"
                    + "  redis.call('ZADD', KEYS[3], now + lease, ARGV[1])\n"
                    + "  local free = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])\n"
                    + "  local rank = redis.call('ZRANK', KEYS[2], ARGV[1])\n"
                    + "  if rank < free then\n"
                    + "    redis.call('ZREM', KEYS[2], ARGV[1])\n"
                    + "    redis.call('ZREM', KEYS[3], ARGV[1])\n"
                    + "    redis.call('ZADD', KEYS[1], now + lease, ARGV[1])\n"
                    + "    result = 0\n"
                    + "  else\n"
                    + "    result = rank - math.max(free, 0) + 1\n"
                    + "  end\n"
                    + "end\n"
                    + EXPIRE_ALL
                    + "return result\n";

    /**
     * KEYS as {@link #TAKE}; ARGV ticket, lease ms. 1 if the lease was renewed, 0 if it was lost.
     */
    static final String RENEW =
            PRELUDE
                    + "local result = 0\n"
                    + "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then\n"
                    + "  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])\n"
                    + "  result = 1\n"
                    + "end\n"
                    + EXPIRE_ALL
                    + "return result\n";

    /** KEYS as {@link #TAKE}; ARGV ticket. Gives a place back, or leaves the line. */
    static final String GIVE_BACK =
            "redis.call('ZREM', KEYS[1], ARGV[1])\n"
                    + "redis.call('ZREM', KEYS[2], ARGV[1])\n"
                    + "redis.call('ZREM', KEYS[3], ARGV[1])\n"
                    + "return 1\n";

    private final String gateName;
    private final int cap;
    private final long leaseMillis;
    private final long pollMillis;
    private final String[] keys;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final ScheduledExecutorService renewer;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, String> digests = new ConcurrentHashMap<>();

    /**
     * @param redisUri the Redis server (may hold a password: never in messages)
     * @param key what the places are of: the platform and rate-limit namespace
     * @param gateName the gate's name, in messages
     * @param lease how long a place stays taken without being renewed
     */
    RedisCorpPlaces(String redisUri, String key, String gateName, int cap, Duration lease) {
        if (cap < 1) throw new IllegalArgumentException(gateName + ": a shared cap is at least 1");
        if (lease.toMillis() < 300)
            throw new IllegalArgumentException(
                    "contacts.corps-in-flight-lease must be at least 300 ms, was " + lease);
        this.gateName = gateName;
        this.cap = cap;
        this.leaseMillis = lease.toMillis();
        // a waiter asks ten times a lease (so it stays in line), at least every 200 ms (so a
        // freed place is taken soon: a corp's fetch takes seconds to minutes)
        this.pollMillis = Math.max(20, Math.min(200, leaseMillis / 10));
        String tag = "httpsync:corps-in-flight:{" + key + "}:";
        this.keys = new String[] {tag + "holders", tag + "line", tag + "alive", tag + "seq"};
        this.client = RedisClient.create(redisUri);
        this.connection = client.connect();
        this.renewer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "contacts-corp-lease-renewer");
                            t.setDaemon(true);
                            return t;
                        });
        long every = Math.max(10, leaseMillis / 3);
        renewer.scheduleWithFixedDelay(this::renewAll, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public Runnable take() throws InterruptedException {
        String ticket = UUID.randomUUID().toString();
        boolean taken = false;
        try {
            while (true) {
                long position;
                try {
                    position = run(TAKE, ticket, String.valueOf(leaseMillis), String.valueOf(cap));
                } catch (RuntimeException e) {
                    // Redis unreachable (RedisException) or this gate closed under the waiter
                    // (Lettuce's IllegalStateException); only the type is told: a message could
                    // name the server
                    throw new CorpGate.UnavailableException(
                            gateName
                                    + ": the cap's places in Redis could not be used ("
                                    + e.getClass().getSimpleName()
                                    + "); the corp is not synced this run",
                            null);
                }
                if (position == 0) {
                    held.add(ticket);
                    taken = true;
                    return () -> giveBack(ticket);
                }
                long jitter = ThreadLocalRandom.current().nextLong(pollMillis / 4 + 1);
                Thread.sleep(pollMillis - pollMillis / 8 + jitter);
            }
        } finally {
            // interrupted or Redis failed while waiting: leave the line (best effort; otherwise
            // the ticket is given up after one lease)
            if (!taken) giveBackQuietly(ticket);
        }
    }

    private void giveBack(String ticket) {
        held.remove(ticket);
        giveBackQuietly(ticket);
    }

    private void giveBackQuietly(String ticket) {
        try {
            run(GIVE_BACK, ticket);
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}: a place could not be given back in Redis ({}); it frees itself within {} ms",
                    gateName,
                    e.getClass().getSimpleName(),
                    leaseMillis);
        }
    }

    private void renewAll() {
        for (String ticket : held) {
            try {
                if (run(RENEW, ticket, String.valueOf(leaseMillis)) == 0 && held.remove(ticket))
                    LOG.warn(
                            "{}: a corp's place in Redis expired before it was renewed (Redis or this"
                                    + " process paused longer than the lease, {} ms); the corp goes on,"
                                    + " one more may be in flight until it ends",
                            gateName,
                            leaseMillis);
            } catch (RuntimeException e) {
                // next round tries again; a place not renewed within its lease frees itself
                LOG.warn(
                        "{}: could not renew a corp's place in Redis: {}",
                        gateName,
                        e.getClass().getSimpleName());
            }
        }
    }

    private long run(String script, String... args) {
        RedisCommands<String, String> redis = connection.sync();
        String digest = digests.computeIfAbsent(script, redis::scriptLoad);
        Long result;
        try {
            result = redis.evalsha(digest, ScriptOutputType.INTEGER, keys, args);
        } catch (RedisNoScriptException e) {
            // the server was restarted or its scripts flushed
            digests.put(script, redis.scriptLoad(script));
            result = redis.eval(script, ScriptOutputType.INTEGER, keys, args);
        }
        return result;
    }

    @Override
    public void close() {
        renewer.shutdownNow();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
