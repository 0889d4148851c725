package io.httpsync.jobs;

import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.SimulatorMain;

import java.util.Arrays;

/**
 * The httpsync command line.
 * <pre>
 * demo [--duration-seconds 40] [--shops 2] [--orders 3000] [--parallelism 2]
 *     runs a real sync on embedded defaults: the platform simulator (a Kuaishou-style shop whose orders keep
 *     changing), the httpsync source in a local Flink, an upsert into an embedded PostgreSQL; prints progress and a
 *     summary comparing the table with the simulator's ground truth. The default command.
 * simulator [--port 8080] [--platforms kuaishou,taobao,...] [--tenants 2] [--records 2000] [--latency-ms 0] ...
 *     starts the platform simulator alone (see SimulatorMain), to develop a job without real credentials.
 * </pre>
 */
public final class HttpSyncCli {
    private HttpSyncCli() {}

    public static void main(String[] argv) throws Exception {
        // Maven's exec:exec passes -Dhttpsync.args="demo --shops 3" as one argument
        String[] args = argv.length == 1 ? argv[0].trim().split("\\s+") : argv;
        String command = args.length == 0 || args[0].startsWith("--") ? "demo" : args[0];
        String[] rest = args.length == 0 || args[0].startsWith("--") ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "demo" -> System.exit(Demo.run(SimulatorMain.parse(rest)) ? 0 : 1);
            case "simulator" -> SimulatorMain.main(rest);
            default -> {
                System.err.println("unknown command '" + command + "'; commands: demo, simulator");
                System.exit(2);
            }
        }
    }
}
