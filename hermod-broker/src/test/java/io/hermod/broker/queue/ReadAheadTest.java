package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Message;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadAheadTest {

    private static final int BUDGET = 1 << 20;

    @TempDir
    Path dir;

    /**
     * A queue of empty messages (the RabbitMQ Java client's Bug19219 stress test publishes those to 1,500 queues) must
     * not hold millions of them because their bodies cost nothing: each counts what holding it costs the heap.
     */
    @Test
    void emptyMessagesCountAgainstTheCacheBudgetByWhatHoldingThemCosts() {
        MessageCache cache = new MessageCache(BUDGET, BUDGET);
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            ReadAhead readAhead =
                    new ReadAhead(store.openLog("q", LogConfig.builder().build()), cache);
            ByteBuffer empty = ByteBuffer.allocate(0).asReadOnlyBuffer();

            for (long offset = 0; offset < 100_000; offset++) {
                readAhead.offerAppended(
                        new StoredMessage(offset, "", "q", true, empty, empty, 0, Message.NO_TTL, 0), 0);
            }

            assertThat(cache.usedBytes())
                    .as("filled to the budget, one message short at most")
                    .isGreaterThan(BUDGET - StoredMessage.HEAP_OVERHEAD)
                    .isLessThanOrEqualTo(BUDGET);
            readAhead.clear();
            assertThat(cache.usedBytes()).isZero();
        }
    }
}
