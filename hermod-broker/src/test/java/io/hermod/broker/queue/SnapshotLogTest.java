package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import io.hermod.storage.record.Record;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SnapshotLogTest {

    /** Small segments (a few dozen entries each), a snapshot due after about six entries. */
    private static final SnapshotLog.Config SMALL =
            new SnapshotLog.Config("Test log", 4096, 1000, "what it wrote after is lost");

    @TempDir
    Path dir;

    private LogStore openStore() {
        return LogStore.open(LogStoreConfig.of(dir));
    }

    /** An entry of {@code kind} whose body is {@code value} and padding up to {@code bytes} in all. */
    private static byte[] entry(byte kind, int value, int bytes) {
        return ByteBuffer.allocate(bytes).put(kind).putInt(value).array();
    }

    private static byte[] entry(byte kind, int value) {
        return entry(kind, value, 1 + Integer.BYTES);
    }

    /** What a replay of the log hands over, as "delta 1", "snapshot 2". */
    private static List<String> replay(SnapshotLog log) {
        List<String> seen = new ArrayList<>();
        log.replay(new SnapshotLog.Replay() {
            @Override
            public void snapshot(ByteBuffer body, Record record) {
                seen.add("snapshot " + body.getInt());
            }

            @Override
            public void delta(ByteBuffer body, Record record) {
                seen.add("delta " + body.getInt());
            }
        });
        return seen;
    }

    @Test
    void aReplayHandsOverTheEntriesInOrderWithTheirKinds() {
        // Given deltas and a snapshot written
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            log.writeDelta(entry(SnapshotLog.DELTA, 1));
            log.writeSnapshot(entry(SnapshotLog.SNAPSHOT, 2), false);
            log.writeDelta(entry(SnapshotLog.DELTA, 3));
        }

        // When the log is opened again and replayed
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            // Then every entry comes back, in order, its body after its kind
            assertThat(replay(log)).containsExactly("delta 1", "snapshot 2", "delta 3");
        }
    }

    @Test
    void anEntryOfAnUnknownKindFailsTheReplayNamingTheLogAndTheOffset() {
        // Given an entry of kind 7 after a delta
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            log.writeDelta(entry(SnapshotLog.DELTA, 1));
            log.writeDelta(entry((byte) 7, 2));
        }

        // When the log is replayed, Then the replay fails there
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            assertThatThrownBy(() -> replay(log))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("test log s has an entry of unknown kind 7 at offset 1");
        }
    }

    @Test
    void aSnapshotIsDueOnceTheDeltasPassTheirSizeAndDropsTheSegmentsBeforeIt() {
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            // Given deltas written until a snapshot is due
            assertThat(log.snapshotDue()).isFalse();
            int written = 0;
            while (!log.snapshotDue()) {
                log.writeDelta(entry(SnapshotLog.DELTA, written++, 100));
            }
            assertThat(written).isBetween(2, 1000 / 100 + 1);
            // and enough more to fill a few segments
            while (written < 100) {
                log.writeDelta(entry(SnapshotLog.DELTA, written++, 100));
            }

            // When a snapshot is written
            log.writeSnapshot(entry(SnapshotLog.SNAPSHOT, written, 100), false);

            // Then none is due until as many deltas again
            assertThat(log.snapshotDue()).isFalse();
        }

        // and the segments wholly before it are gone
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            List<String> replayed = replay(log);
            assertThat(replayed).endsWith("snapshot 100").doesNotContain("delta 0");
        }
    }

    @Test
    void aReopenedLogCountsTheDeltasItHoldsTowardsTheNextSnapshot() {
        // Given deltas enough for a snapshot, and none written
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            for (int i = 0; i < 10; i++) {
                log.writeDelta(entry(SnapshotLog.DELTA, i, 100));
            }
        }

        // When the log is opened again and replayed
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            assertThat(log.snapshotDue()).isFalse(); // nothing counted before the replay
            replay(log);

            // Then a snapshot is due
            assertThat(log.snapshotDue()).isTrue();
        }
    }

    @Test
    void aSkippedSnapshotWritesNothingAndIsDueAgainOnlyAfterAsManyDeltas() {
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            // Given a snapshot due
            for (int i = 0; !log.snapshotDue(); i++) {
                log.writeDelta(entry(SnapshotLog.DELTA, i, 100));
            }

            // When it is skipped (it did not fit)
            log.writeSnapshot(null, false);

            // Then none is due now
            assertThat(log.snapshotDue()).isFalse();
        }
        // and nothing was written for it
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            assertThat(replay(log)).allMatch(e -> e.startsWith("delta "));
        }
    }

    @Test
    void anEntryFitsWhenItLeavesRoomForItsBatchInASegment() {
        try (LogStore store = openStore();
                SnapshotLog log = SnapshotLog.open(store, "s", SMALL)) {
            assertThat(log.fits(4096 - 1024)).isTrue();
            assertThat(log.fits(4096 - 1024 + 1)).isFalse();
        }
    }
}
