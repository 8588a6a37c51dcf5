package io.hermod.bench.amqp;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for the server Hermod does not have yet: opens a broker on a data directory, starts the AMQP 0-9-1
 * listener in front of it and runs until the JVM is asked to stop. {@code peer/rabbitmq-compare.sh} launches it as its
 * own JVM to load it with RabbitMQ's PerfTest:
 *
 * <pre>
 *   java -cp hermod-bench/target/benchmarks.jar io.hermod.bench.amqp.HermodAmqpMain data-dir port [host]
 * </pre>
 *
 * (host defaults to 127.0.0.1; {@code guest}/{@code guest} may connect from loopback). Prints one line starting with
 * {@code ready} once the listener is bound; the server logs whether it runs on epoll or NIO. SIGTERM or SIGINT closes the listener, then the broker (queues persist
 * their cursors), and exits.
 *
 * <p>Threading: the main thread starts everything and then parks; the shutdown hook thread stops everything.
 */
public final class HermodAmqpMain {

    private HermodAmqpMain() {}

    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        if (args.length < 2 || args.length > 3) {
            out.println("usage: HermodAmqpMain data-dir port [host]");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        String host = args.length > 2 ? args[2] : "127.0.0.1";

        Broker broker = Broker.open(BrokerConfig.of(dataDir));
        AmqpServer server;
        try {
            server = AmqpServer.start(broker, AmqpServerConfig.of(host, port));
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, broker, stopped, out), "hermod-shutdown"));
        out.printf(
                "ready on %s:%d (pid %d, data %s)%n",
                host, server.port(), ProcessHandle.current().pid(), dataDir);
        out.flush();
        stopped.await();
    }

    private static void stop(AmqpServer server, Broker broker, CountDownLatch stopped, PrintStream out) {
        try {
            server.close();
        } finally {
            broker.close();
            stopped.countDown();
            out.println("stopped");
        }
    }
}
