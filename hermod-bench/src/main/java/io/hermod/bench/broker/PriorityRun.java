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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load run: a priority queue ({@code x-max-priority} 10) holding 1,000,000 persistent messages of random priorities in
 * a small heap. Run it with the heap it is meant to prove ({@code ./hermod load priority}):
 *
 * <pre>
 *   java -Xmx256m -cp hermod-bench/target/benchmarks.jar io.hermod.bench.broker.PriorityRun [messages] [bytes] [dir]
 * </pre>
 *
 * It publishes with confirms (a window of 10,000 outstanding), measures the heap after a full GC with everything
 * queued (minus the same measure of the empty broker), restarts the broker (the lanes are rebuilt from the log) and
 * measures again, then drains with a consumer and checks that priorities never rise and that each priority's messages
 * come in publish order. Exits non-zero on any violation.
 */
public final class PriorityRun {

    private static final int WINDOW = 10_000;
    private static final int LEVELS = 10;

    private PriorityRun() {}

    public static void main(String[] args) throws Exception {
        long messages = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        int size = Math.max(9, args.length > 1 ? Integer.parseInt(args[1]) : 100);
        Path dir = args.length > 2
                ? Files.createDirectories(Path.of(args[2]))
                : Files.createTempDirectory("hermod-priority-");
        PrintStream out = System.out;
        out.printf(
                "priority run: %,d messages of %d bytes, %d priorities, max heap %d MiB, data in %s%n",
                messages, size, LEVELS, Runtime.getRuntime().maxMemory() >> 20, dir);

        long baseline;
        long start;
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Channel ch = hermod.connect("publisher").openChannel();
            ch.declareQueue(new QueueSpec("prio", true, false, false, Map.of("x-max-priority", LEVELS - 1)));
            baseline = heapAfterGc();
            start = System.nanoTime();
            ArrayDeque<CompletableFuture<PublishResult>> window = new ArrayDeque<>(WINDOW);
            SplittableRandom random = new SplittableRandom(7);
            for (long i = 0; i < messages; i++) {
                byte[] body = new byte[size];
                int priority = random.nextInt(LEVELS);
                writeSequence(body, i, priority);
                window.add(ch.publish(new Message("", "prio", Map.of(), true, null, body, Message.NO_TTL, priority)));
                if (window.size() >= WINDOW) {
                    window.poll().join();
                }
            }
            while (!window.isEmpty()) {
                window.poll().join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long queued = heapAfterGc();
            out.printf("published and confirmed %,d in %.1f s: %,.0f msg/s%n", messages, seconds, messages / seconds);
            out.printf(
                    "heap after GC: empty broker %.1f MiB, with %,d queued %.1f MiB: %.1f bytes a message%n",
                    baseline / 1048576.0, messages, queued / 1048576.0, (queued - baseline) / (double) messages);
        }

        long restart = System.nanoTime();
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            double recoverySeconds = (System.nanoTime() - restart) / 1e9;
            Channel ch = hermod.connect("consumer").openChannel();
            QueueInfo info = ch.declareQueuePassive("prio");
            long recovered = heapAfterGc();
            out.printf(
                    "restarted in %.2f s (lanes rebuilt from the log); %,d queued; heap after GC %.1f MiB: %.1f bytes"
                            + " a message%n",
                    recoverySeconds,
                    info.messageCount(),
                    recovered / 1048576.0,
                    (recovered - baseline) / (double) messages);
            if (info.messageCount() != messages) {
                fail(out, "expected " + messages + " messages after the restart, found " + info.messageCount());
            }
            AtomicLong count = new AtomicLong();
            AtomicReference<String> problem = new AtomicReference<>();
            long[] lastSequence = new long[LEVELS];
            java.util.Arrays.fill(lastSequence, -1);
            int[] lastPriority = {Integer.MAX_VALUE};
            CountDownLatch drained = new CountDownLatch(1);
            long drainStart = System.nanoTime();
            ch.consume("prio", ConsumeOptions.manualAck(1000), d -> {
                long n = count.incrementAndGet();
                long sequence = readSequence(d.body());
                int priority = d.body().get(d.body().position() + 8);
                if (priority > lastPriority[0] && problem.get() == null) {
                    problem.set("priority " + priority + " after " + lastPriority[0] + " at message " + n);
                }
                if (sequence <= lastSequence[priority] && problem.get() == null) {
                    problem.set("priority " + priority + ": " + sequence + " after " + lastSequence[priority]);
                }
                lastPriority[0] = priority;
                lastSequence[priority] = sequence;
                if (n % 100 == 0 || n == messages) {
                    ch.ack(d.deliveryTag(), true);
                }
                if (n == messages) {
                    drained.countDown();
                }
            });
            while (!drained.await(1, TimeUnit.SECONDS) && problem.get() == null) {
                // waiting
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            if (problem.get() != null) {
                fail(out, problem.get());
            }
            out.printf(
                    "drained %,d highest priority first in %.1f s: %,.0f msg/s%n",
                    count.get(), drainSeconds, count.get() / drainSeconds);
        }
        out.println("OK");
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static void writeSequence(byte[] body, long n, int priority) {
        for (int i = 0; i < 8; i++) {
            body[i] = (byte) (n >>> (56 - 8 * i));
        }
        body[8] = (byte) priority;
    }

    private static long readSequence(java.nio.ByteBuffer body) {
        long n = 0;
        for (int i = 0; i < 8; i++) {
            n = (n << 8) | (body.get(body.position() + i) & 0xff);
        }
        return n;
    }

    private static void fail(PrintStream out, String why) {
        out.println("FAILED: " + why);
        System.exit(1);
    }
}
