package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cursor log's entries, byte for byte as the layout in {@link CursorLog} has them: existing data
 * directories depend on it.
 */
@Timeout(30)
class CursorLogTest {

    @TempDir
    Path dir;

    @Test
    void deltasAndSnapshotsAreWrittenInTheirLayoutAndReplayed() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            // Given a delta and a snapshot with a return and a TTL mark
            OffsetRanges settled = new OffsetRanges();
            settled.addRange(3, 5);
            try (CursorLog cursorLog = CursorLog.open(store, "q.cursor")) {
                cursorLog.writeDelta(settled, new OffsetRanges(), 7);
                cursorLog.ttlMessagesFrom(4);
                settled.addRange(0, 3);
                cursorLog.writeSnapshot(settled, new OffsetRanges(), 9, Map.of(4L, new Returns.Entry(2, 100)));
            }

            // Then the log holds them in the cursor log's layout
            List<ByteBuffer> values = new ArrayList<>();
            Log raw = store.openLog("q.cursor", LogConfig.builder().build());
            raw.forEachRecord(raw.startOffset(), r -> values.add(r.value().duplicate()));
            raw.close();
            ByteBuffer delta = ByteBuffer.allocate(1 + 8 + 4 + 16 + 4)
                    .put((byte) 1) // kind: delta
                    .putLong(7)
                    .putInt(1)
                    .putLong(3)
                    .putLong(5)
                    .putInt(0)
                    .flip();
            ByteBuffer snapshot = ByteBuffer.allocate(1 + 8 + 4 + 16 + 4 + 4 + 20 + 8)
                    .put((byte) 2) // kind: snapshot
                    .putLong(9)
                    .putInt(1)
                    .putLong(0)
                    .putLong(5)
                    .putInt(0)
                    .putInt(1)
                    .putLong(4)
                    .putInt(2)
                    .putLong(100)
                    .putLong(4)
                    .flip();
            assertThat(values).containsExactly(delta, snapshot);

            // and a replay gives back the snapshot's state
            try (CursorLog cursorLog = CursorLog.open(store, "q.cursor")) {
                CursorLog.Recovered recovered = cursorLog.recover();
                assertThat(recovered.handedOutBelow()).isEqualTo(9);
                assertThat(recovered.settled().countIn(0, 10)).isEqualTo(5);
                assertThat(recovered.transients().countIn(0, 10)).isZero();
                assertThat(recovered.returns()).containsOnly(Map.entry(4L, new Returns.Entry(2, 100)));
                assertThat(recovered.ttlMessagesFrom()).isEqualTo(4);
            }
        }
    }

    @Test
    void aSnapshotTooLargeForOneEntryIsNotWrittenAndTheNextIsDueAfterAsManyDeltasAgain() {
        // Given a cursor log whose entries may hold at most 3 KiB (4 KiB segments), with a snapshot due
        SnapshotLog.Config small = new SnapshotLog.Config("Cursor log", 4096, 256, "test");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir));
                CursorLog cursorLog = CursorLog.open(store, "small.cursor", small)) {
            OffsetRanges one = new OffsetRanges();
            one.add(1);
            for (int i = 0; !cursorLog.snapshotDue(); i++) {
                cursorLog.writeDelta(one, new OffsetRanges(), i);
            }
            OffsetRanges scattered = new OffsetRanges();
            for (long offset = 0; offset < 1000; offset += 2) {
                scattered.add(offset); // 500 ranges: 8 KB
            }

            // When the queue writes a snapshot of it, it is refused, and no longer due; a small one is written
            assertThat(cursorLog.writeSnapshot(scattered, new OffsetRanges(), 1000, Map.of()))
                    .isFalse();
            assertThat(cursorLog.snapshotDue()).isFalse();
            assertThat(cursorLog.writeSnapshot(one, new OffsetRanges(), 1000, Map.of()))
                    .isTrue();
        }
    }
}
