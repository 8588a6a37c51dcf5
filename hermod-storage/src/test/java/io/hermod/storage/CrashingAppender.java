package io.hermod.storage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link LogCrashTest}: appends batches from several threads under {@code fsync-always} until it is
 * killed, and prints {@code ACK firstOffset count firstSeq} for every append whose completion has finished (that is,
 * that the log has acknowledged as durable). Arguments: log store directory, first sequence number.
 */
public final class CrashingAppender {

    static final int MAX_VALUE = 3000;
    static final String LOG_NAME = "crash";

    /** Starts the child on {@code dir}, numbering its records from {@code firstSeq}; its output is its stdout. */
    static Process start(Path dir, long firstSeq) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashingAppender.class.getName(),
                        dir.toString(),
                        Long.toString(firstSeq))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    static LogConfig logConfig() {
        return LogConfig.builder()
                .segmentBytes(256 * 1024)
                .indexIntervalBytes(1024)
                .build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AtomicLong seq = new AtomicLong(Long.parseLong(args[1]));
        PrintStream out = new PrintStream(System.out, true);
        LogStore store = LogStore.open(LogStoreConfig.of(dir).withIntervals(100, 60_000));
        Log log = store.openLog(LOG_NAME, logConfig());
        out.println("READY " + log.endOffset());
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                SplittableRandom random = new SplittableRandom();
                while (true) {
                    int count = 1 + random.nextInt(5);
                    long first = seq.getAndAdd(count);
                    AppendResult result =
                            log.append(TestRecords.batch(first, count, MAX_VALUE, System.currentTimeMillis()));
                    result.durable().join();
                    synchronized (out) {
                        out.println("ACK " + result.firstOffset() + " " + count + " " + first);
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
