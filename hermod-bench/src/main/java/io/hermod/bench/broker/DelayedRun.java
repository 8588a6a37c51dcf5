package io.hermod.bench.broker;

import io.hermod.broker.Channel;
import io.hermod.broker.ConsumeOptions;
import io.hermod.broker.ExchangeSpec;
import io.hermod.broker.Message;
import io.hermod.broker.PublishResult;
import io.hermod.broker.QueueSpec;
import io.hermod.broker.VirtualHost;
import io.hermod.embedded.EmbeddedHermod;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load run: a million delayed messages pending in a delayed exchange ({@code x-delayed-message}) in a small heap, and
 * the lateness of those that fall due during the run. Run it with the heap it is meant to prove, for example
 *
 * <pre>
 *   java -Xmx256m -cp hermod-bench/target/benchmarks.jar io.hermod.bench.broker.DelayedRun [messages] [bytes]
 *       [window-seconds] [dir]
 * </pre>
 *
 * (defaults: 1,000,000 persistent messages of 100 bytes, a 72 s measuring window, data under {@code java.io.tmpdir}).
 * The messages go to a durable delayed exchange (x-delayed-type direct) bound to a durable queue, published with
 * confirms (a window of 10,000 outstanding) through an embedded broker, each with an {@code x-delay} that makes it
 * due at a uniformly random time in the hour that starts 30 s after the run starts (so that all are still pending
 * when scheduling ends and the heap is measured). A consumer with automatic acknowledgement takes those that fall due
 * in the first {@code window} seconds of that hour (72 s: 2%, about 20,000) and measures their lateness: arrival
 * minus the due time written in the body. It prints the scheduling rate, the heap used after GC with everything
 * pending (and per message, minus the empty broker's), lateness p50/p99/max, and the time a restart takes to rebuild
 * the pending set from the log. Exits non-zero if a message due in the window did not arrive.
 */
public final class DelayedRun {

    private static final int WINDOW = 10_000;
    private static final long LEAD_MILLIS = 30_000;
    private static final long SPREAD_MILLIS = 3_600_000;

    private DelayedRun() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int size = Math.max(16, args.length > 1 ? Integer.parseInt(args[1]) : 100);
        long windowMillis = 1000L * (args.length > 2 ? Long.parseLong(args[2]) : 72);
        Path dir = args.length > 3
                ? Files.createDirectories(Path.of(args[3]))
                : Files.createTempDirectory("hermod-delayed-");
        PrintStream out = System.out;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        out.printf(
                "delayed run: %,d messages of %d bytes due over one hour, max heap %d MiB, %d cores, data in %s%n",
                messages,
                size,
                Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors(),
                dir);

        long[] lateness = new long[messages];
        AtomicInteger arrived = new AtomicInteger();
        long windowEnd;
        int dueInWindow = 0;
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Channel ch = hermod.connect("publisher").openChannel();
            ch.declareExchange(new ExchangeSpec(
                    "delayed", "x-delayed-message", true, false, false, Map.of("x-delayed-type", "direct")));
            ch.declareQueue(QueueSpec.durable("due"));
            ch.bindQueue("due", "delayed", "k", Map.of());
            VirtualHost vhost = hermod.broker().vhost("/").orElseThrow();
            long baseline = heapAfterGc(memory);
            out.printf("empty broker: heap used after GC %.1f MiB%n", baseline / 1048576.0);

            Channel consumer = hermod.connect("consumer").openChannel();
            consumer.consume("due", ConsumeOptions.automaticAck(), d -> {
                long now = System.currentTimeMillis();
                int i = arrived.getAndIncrement();
                if (i < lateness.length) {
                    lateness[i] = now - d.body().getLong(d.body().position());
                }
            });

            long start = System.currentTimeMillis();
            long firstDue = start + LEAD_MILLIS;
            windowEnd = firstDue + windowMillis;
            SplittableRandom random = new SplittableRandom(1);
            ArrayDeque<CompletableFuture<PublishResult>> window = new ArrayDeque<>(WINDOW);
            long scheduleStart = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                long due = firstDue + random.nextLong(SPREAD_MILLIS);
                if (due < windowEnd) {
                    dueInWindow++;
                }
                byte[] body = new byte[size];
                ByteBuffer.wrap(body).putLong(due).putLong(i);
                Map<String, Object> headers = Map.of("x-delay", due - System.currentTimeMillis());
                window.add(ch.publish(new Message("delayed", "k", headers, true, null, body)));
                if (window.size() >= WINDOW) {
                    window.poll().join();
                }
            }
            while (!window.isEmpty()) {
                window.poll().join();
            }
            double scheduleSeconds = (System.nanoTime() - scheduleStart) / 1e9;
            out.printf(
                    "scheduled and confirmed %,d in %.1f s: %,.0f msg/s (%d s before the first falls due)%n",
                    messages,
                    scheduleSeconds,
                    messages / scheduleSeconds,
                    (firstDue - System.currentTimeMillis()) / 1000);
            long pending = vhost.delayedMessageCount("delayed").orElseThrow();
            long loaded = heapAfterGc(memory);
            out.printf(
                    "all pending (%,d): heap used after GC %.1f MiB, %.1f bytes/message above the empty broker;"
                            + " disk %d MiB%n",
                    pending, loaded / 1048576.0, (loaded - baseline) / (double) pending, diskBytes(dir) >> 20);

            out.printf(
                    "waiting for the %,d messages due in the first %d s of the hour...%n",
                    dueInWindow, windowMillis / 1000);
            while (System.currentTimeMillis() < windowEnd + 1000) {
                Thread.sleep(1000);
            }
            out.printf(
                    "pending now %,d; heap used after GC %.1f MiB%n",
                    vhost.delayedMessageCount("delayed").orElseThrow(), heapAfterGc(memory) / 1048576.0);
        }
        int n = Math.min(arrived.get(), lateness.length);
        long[] sample = Arrays.copyOf(lateness, n);
        Arrays.sort(sample);
        if (n > 0) {
            out.printf(
                    "lateness of %,d deliveries (arrival - due): p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms, min %d"
                            + " ms%n",
                    n,
                    sample[n / 2],
                    sample[(int) Math.min(n - 1, n * 0.99)],
                    sample[(int) Math.min(n - 1, n * 0.999)],
                    sample[n - 1],
                    sample[0]);
        }

        long restart = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            double seconds = (System.nanoTime() - restart) / 1e9;
            long pending = hermod.broker()
                    .vhost("/")
                    .orElseThrow()
                    .delayedMessageCount("delayed")
                    .orElseThrow();
            out.printf(
                    "restarted in %.2f s with %,d pending (rebuilt from the log); heap used after GC %.1f MiB%n",
                    seconds, pending, heapAfterGc(memory) / 1048576.0);
        }
        if (n < dueInWindow) {
            out.println("FAILED: " + dueInWindow + " messages were due in the window, " + n + " arrived");
            System.exit(1);
        }
        out.println("OK");
    }

    private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long diskBytes(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
