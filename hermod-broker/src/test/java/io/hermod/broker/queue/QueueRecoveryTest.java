package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Message;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class QueueRecoveryTest {

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final QueueDefinition definition =
            new QueueDefinition("/", "q", "0123456789abcdef", true, false, false, Map.of());

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    private Queue open(LogStore store) {
        return Queue.open(
                definition,
                store,
                pool,
                new MessageCache(1 << 20, 1 << 20),
                InstantSource.system(),
                io.hermod.storage.Durability.FSYNC_ALWAYS,
                1000,
                q -> CompletableFuture.completedFuture(null),
                null);
    }

    private static void publish(Queue q, String body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        q.enqueue(Message.of("", "q", true, body.getBytes(StandardCharsets.UTF_8)), failure -> {
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        });
        done.join();
    }

    @Test
    void acknowledgementsOfOffsetsTheMessageLogLostDoNotSwallowTheMessagesThatTakeThoseOffsetsLater() throws Exception {
        // Given ten messages published and acknowledged, as the cursor log records
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Queue q = open(store);
            for (int i = 0; i < 10; i++) {
                publish(q, "old" + i);
            }
            for (int i = 0; i < 10; i++) {
                assertThat(q.get(true).join()).isPresent();
            }
            q.close().join();
        }
        // and a machine crash that lost the (synced later than the cursor's page cache) message log entirely
        deleteTree(dir.resolve(Queue.logName(definition)));

        // When the queue recovers and takes new messages at the same offsets
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Queue q = open(store);
            publish(q, "new0");
            publish(q, "new1");

            // Then they are delivered, not taken for the acknowledged ones of before
            assertThat(q.info().join().messageCount()).isEqualTo(2);
            StoredMessage first = q.get(true).join().orElseThrow().message();
            assertThat(StandardCharsets.UTF_8.decode(first.body()).toString()).isEqualTo("new0");
            q.close().join();
        }
        // and the cut is itself durable: a second restart still sees the new message
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Queue q = open(store);
            assertThat(q.info().join().messageCount()).isEqualTo(1);
            q.close().join();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
