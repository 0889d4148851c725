package io.httpsync.connector.testutil;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Redis server (embedded binary, no Docker) on a free port for a test class:
 * {@code @RegisterExtension static}.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {
    private static final Pattern COMMAND_STATS = Pattern.compile("cmdstat_([a-z|]+):calls=(\\d+)");
    private RedisServer redis;
    private int port;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = new RedisServer(port);
        redis.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (redis != null) redis.stop();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * How many times the server has run any of {@code commands} (lower case, as INFO commandstats
     * names them).
     */
    public long calls(Set<String> commands) {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            long calls = 0;
            Matcher m = COMMAND_STATS.matcher(jedis.info("commandstats"));
            while (m.find()) {
                if (commands.contains(m.group(1))) calls += Long.parseLong(m.group(2));
            }
            return calls;
        }
    }
}
