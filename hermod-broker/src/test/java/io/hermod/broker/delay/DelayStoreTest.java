package io.hermod.broker.delay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hermod.broker.Message;
import io.hermod.broker.PropertiesFormat;
import io.hermod.broker.queue.EnqueueCallback;
import io.hermod.storage.Durability;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delay store on its own, with small segments: a message with a long delay does not keep every segment written after
 * it (compaction moves it to the end of the log), and is routed once, when due, also across a restart.
 */
@Timeout(30)
class DelayStoreTest {

    private static final int SEGMENT_BYTES = 64 << 10;
    private static final long CHUNK = 1024;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final List<String> routed = new CopyOnWriteArrayList<>();
    private LogStore logs;
    private DelayStore store;

    private final DelayHost host = new DelayHost() {
        @Override
        public void route(Message message, EnqueueCallback done) {
            routed.add(new String(message.body(), StandardCharsets.UTF_8));
            done.onEnqueued(null);
        }

        @Override
        public PropertiesFormat propertiesFormat() {
            return PropertiesFormat.OPAQUE;
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            // the test drives releases with releaseDue()
        }
    };

    private void open() {
        logs = LogStore.open(LogStoreConfig.of(dir));
        store = DelayStore.open(
                "test store",
                "x-test",
                true,
                logs,
                pool,
                () -> Instant.ofEpochMilli(now.get()),
                Durability.FSYNC_ALWAYS,
                1000,
                host,
                SEGMENT_BYTES,
                CHUNK);
        store.start();
    }

    private void close() {
        store.close().join();
        logs.close();
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close().join();
            logs.close();
        }
        pool.shutdownNow();
    }

    private void schedule(String body, long delay) {
        java.util.concurrent.CompletableFuture<Void> stored = new java.util.concurrent.CompletableFuture<>();
        store.schedule(new Message("x", "k", Map.of(), true, null, body.getBytes(StandardCharsets.UTF_8)), delay, e -> {
            if (e == null) {
                stored.complete(null);
            } else {
                stored.completeExceptionally(e);
            }
        });
        stored.join();
    }

    private long segments() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("x-test"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .count();
        }
    }

    private void releaseAt(long millis) {
        now.addAndGet(millis);
        store.releaseDue();
    }

    @Test
    void aLongDelayedMessageIsMovedSoThatReleasedSegmentsGoAndIsRoutedOnceWhenDue() throws Exception {
        open();
        schedule("an hour", 3_600_000);
        byte[] padding = new byte[200];
        for (int i = 0; i < 5_000; i++) {
            schedule("soon " + i + new String(padding, StandardCharsets.UTF_8), 10);
        }
        assertThat(segments()).isGreaterThan(5);

        releaseAt(10);
        await().atMost(Duration.ofSeconds(10)).until(() -> routed.size() == 5_000);
        // the next runs move the hour-long message to the end and delete the segments it kept
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            store.releaseDue();
            return segments() <= 2;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> store.pendingCount() == 1);

        close();
        open();
        assertThat(store.pendingCount()).isEqualTo(1);
        releaseAt(3_600_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> routed.size() == 5_001);
        assertThat(routed.get(5_000)).isEqualTo("an hour");
        store.releaseDue();
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> routed.size() == 5_001 && store.pendingCount() == 0);
    }
}
