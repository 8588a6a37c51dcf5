package io.hermod.bench.broker;

import io.hermod.broker.Channel;
import io.hermod.broker.ConsumeOptions;
import io.hermod.broker.Message;
import io.hermod.broker.PublishResult;
import io.hermod.broker.QueueInfo;
import io.hermod.broker.QueueSpec;
import io.hermod.embedded.EmbeddedHermod;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load run: a durable queue holding a large backlog of small persistent messages in a small heap, then drained after a
 * restart. Run it with the heap it is meant to prove, for example
 *
 * <pre>
 *   java -Xmx256m -cp hermod-bench/target/benchmarks.jar io.hermod.bench.broker.BacklogRun [messages] [bytes] [dir]
 * </pre>
 *
 * (defaults: 10,000,000 messages of 100 bytes under {@code java.io.tmpdir}). It publishes with confirms (a window of
 * 10,000 outstanding), stops the broker, starts it again, checks the count, drains everything with a consumer
 * (prefetch 1,000, acknowledged in hundreds), checks every message came back once and in order, and prints rates,
 * recovery time, peak heap and the disk used. Exits non-zero if anything is missing.
 */
public final class BacklogRun {

    private static final int WINDOW = 10_000;

    private BacklogRun() {}

    public static void main(String[] args) throws Exception {
        long messages = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = args.length > 2
                ? Files.createDirectories(Path.of(args[2]))
                : Files.createTempDirectory("hermod-backlog-");
        PrintStream out = System.out;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        out.printf(
                "backlog run: %,d messages of %d bytes, max heap %d MiB, data in %s%n",
                messages, size, Runtime.getRuntime().maxMemory() >> 20, dir);

        long start = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Channel ch = hermod.connect("publisher").openChannel();
            ch.declareQueue(QueueSpec.durable("backlog"));
            ArrayDeque<CompletableFuture<PublishResult>> window = new ArrayDeque<>(WINDOW);
            byte[] body = new byte[size];
            for (long i = 0; i < messages; i++) {
                writeSequence(body, i);
                window.add(ch.publish(Message.of("", "backlog", true, body.clone())));
                if (window.size() >= WINDOW) {
                    window.poll().join();
                }
                if (i % 1_000_000 == 999_999) {
                    out.printf(
                            "  published %,d, heap used %d MiB%n",
                            i + 1, memory.getHeapMemoryUsage().getUsed() >> 20);
                }
            }
            while (!window.isEmpty()) {
                window.poll().join();
            }
        }
        double publishSeconds = (System.nanoTime() - start) / 1e9;
        out.printf(
                "published and confirmed %,d in %.1f s: %,.0f msg/s; disk %d MiB%n",
                messages, publishSeconds, messages / publishSeconds, diskBytes(dir) >> 20);

        long restart = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            double recoverySeconds = (System.nanoTime() - restart) / 1e9;
            Channel ch = hermod.connect("consumer").openChannel();
            QueueInfo info = ch.declareQueuePassive("backlog");
            out.printf("restarted in %.2f s; queue holds %,d messages%n", recoverySeconds, info.messageCount());
            if (info.messageCount() != messages) {
                fail(out, "expected " + messages + " messages after the restart, found " + info.messageCount());
            }
            AtomicLong next = new AtomicLong();
            AtomicReference<String> problem = new AtomicReference<>();
            CountDownLatch drained = new CountDownLatch(1);
            long drainStart = System.nanoTime();
            ch.consume("backlog", ConsumeOptions.manualAck(1000), d -> {
                long expected = next.getAndIncrement();
                long got = readSequence(d.body());
                if (got != expected && problem.get() == null) {
                    problem.set("message " + expected + " came as " + got);
                }
                if (expected % 100 == 99 || expected == messages - 1) {
                    ch.ack(d.deliveryTag(), true);
                }
                if (expected == messages - 1) {
                    drained.countDown();
                }
            });
            long peak = 0;
            while (!drained.await(1, TimeUnit.SECONDS)) {
                peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
                if (problem.get() != null) {
                    break;
                }
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            if (problem.get() != null) {
                fail(out, problem.get());
            }
            out.printf(
                    "drained %,d in %.1f s: %,.0f msg/s; peak heap seen while draining %d MiB%n",
                    next.get(), drainSeconds, next.get() / drainSeconds, peak >> 20);
        }
        out.println("OK");
    }

    private static void writeSequence(byte[] body, long n) {
        for (int i = 0; i < 8 && i < body.length; i++) {
            body[i] = (byte) (n >>> (56 - 8 * i));
        }
    }

    private static long readSequence(java.nio.ByteBuffer body) {
        long n = 0;
        for (int i = 0; i < 8 && i < body.remaining(); i++) {
            n = (n << 8) | (body.get(body.position() + i) & 0xff);
        }
        return n;
    }

    private static long diskBytes(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static void fail(PrintStream out, String why) {
        out.println("FAILED: " + why);
        System.exit(1);
    }
}
