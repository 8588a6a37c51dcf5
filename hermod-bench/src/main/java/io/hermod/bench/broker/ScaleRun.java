package io.hermod.bench.broker;

import io.hermod.broker.Channel;
import io.hermod.broker.ExchangeSpec;
import io.hermod.broker.Message;
import io.hermod.broker.PublishResult;
import io.hermod.broker.QueueSpec;
import io.hermod.broker.VirtualHost;
import io.hermod.embedded.EmbeddedHermod;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Load run: many queues and bindings in one vhost. Declares {@code queues} durable queues and binds each to a durable
 * topic exchange with {@code bindingsPerQueue} keys ({@code orders.<i>.<k>.*} and one {@code #.audit.<i>}), publishes
 * one message per queue through the topic exchange and checks that each reached exactly its queue, then restarts the
 * broker and checks that every queue, binding and message came back. Prints the time of each phase and the heap.
 *
 * <pre>
 *   java -Xmx1g -cp hermod-bench/target/benchmarks.jar io.hermod.bench.broker.ScaleRun [queues] [bindingsPerQueue] [dir]
 * </pre>
 *
 * Defaults: 10,000 queues with 10 bindings each (100,000 bindings). Exits non-zero when anything is missing.
 */
public final class ScaleRun {

    private ScaleRun() {}

    public static void main(String[] args) throws Exception {
        int queues = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int perQueue = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = args.length > 2
                ? Files.createDirectories(Path.of(args[2]))
                : Files.createTempDirectory("hermod-scale-");
        PrintStream out = System.out;
        out.printf("scale run: %,d queues x %d bindings, data in %s%n", queues, perQueue, dir);

        long t0 = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Channel ch = hermod.connect("admin").openChannel();
            ch.declareExchange(ExchangeSpec.durable("orders", "topic"));
            for (int i = 0; i < queues; i++) {
                ch.declareQueue(QueueSpec.durable("q" + i));
            }
            long t1 = System.nanoTime();
            out.printf("declared %,d queues in %.1f s%n", queues, (t1 - t0) / 1e9);
            for (int i = 0; i < queues; i++) {
                for (int k = 0; k < perQueue - 1; k++) {
                    ch.bindQueue("q" + i, "orders", "orders." + i + "." + k + ".*", Map.of());
                }
                ch.bindQueue("q" + i, "orders", "#.audit." + i, Map.of());
            }
            long t2 = System.nanoTime();
            VirtualHost vhost = hermod.broker().vhost("/").orElseThrow();
            out.printf("bound %,d bindings in %.1f s%n", vhost.bindings().size(), (t2 - t1) / 1e9);

            List<CompletableFuture<PublishResult>> confirms = new ArrayList<>(queues);
            for (int i = 0; i < queues; i++) {
                confirms.add(ch.publish(Message.of("orders", "orders." + i + ".0.created", true, new byte[100])));
            }
            for (CompletableFuture<PublishResult> c : confirms) {
                if (c.join().queues() != 1) {
                    fail(out, "a message reached " + c.join().queues() + " queues instead of 1");
                }
            }
            long t3 = System.nanoTime();
            out.printf(
                    "routed and confirmed %,d messages through %,d bindings in %.2f s%n",
                    queues, vhost.bindings().size(), (t3 - t2) / 1e9);
            System.gc();
            out.printf("heap used with everything declared: %d MiB%n", heapUsed() >> 20);
        }

        long t4 = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            out.printf("restarted in %.1f s%n", (System.nanoTime() - t4) / 1e9);
            VirtualHost vhost = hermod.broker().vhost("/").orElseThrow();
            if (vhost.queueNames().size() != queues) {
                fail(
                        out,
                        "expected " + queues + " queues after the restart, found "
                                + vhost.queueNames().size());
            }
            if (vhost.bindings().size() != queues * perQueue) {
                fail(
                        out,
                        "expected " + queues * perQueue + " bindings, found "
                                + vhost.bindings().size());
            }
            for (int i = 0; i < queues; i++) {
                long count = vhost.queueInfo("q" + i).orElseThrow().messageCount();
                if (count != 1) {
                    fail(out, "queue q" + i + " holds " + count + " messages instead of 1");
                }
            }
            Channel ch = hermod.connect("admin").openChannel();
            PublishResult audit = ch.publish(Message.of("orders", "x.audit.7", true, new byte[1]))
                    .join();
            if (audit.queues() != 1) {
                fail(out, "the audit key reached " + audit.queues() + " queues instead of 1");
            }
            System.gc();
            out.printf("heap used after the restart: %d MiB%n", heapUsed() >> 20);
        }
        out.println("OK");
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void fail(PrintStream out, String why) {
        out.println("FAILED: " + why);
        System.exit(1);
    }
}
