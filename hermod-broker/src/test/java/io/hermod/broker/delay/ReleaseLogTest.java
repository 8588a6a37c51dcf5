package io.hermod.broker.delay;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.queue.SnapshotLog;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release log's entries, byte for byte as the layout in {@link ReleaseLog} has them: existing data
 * directories depend on it.
 */
@Timeout(30)
class ReleaseLogTest {

    @TempDir
    Path dir;

    @Test
    void deltasAndSnapshotsAreWrittenInTheirLayoutAndReplayed() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            // Given a delta, a snapshot and a delta after it
            try (ReleaseLog releaseLog = ReleaseLog.open(store, "x.released")) {
                releaseLog.writeDelta(new long[] {5, 70, 0}, 2);
                releaseLog.writeSnapshot(new ReleasedSet(64, new long[] {0b101}), false);
                releaseLog.writeDelta(new long[] {130}, 1);
            }

            // Then the log holds them in the release log's layout
            List<ByteBuffer> values = new ArrayList<>();
            Log raw = store.openLog("x.released", LogConfig.builder().build());
            raw.forEachRecord(raw.startOffset(), r -> values.add(r.value().duplicate()));
            raw.close();
            assertThat(values)
                    .containsExactly(
                            ByteBuffer.allocate(1 + 4 + 16)
                                    .put((byte) 1) // kind: delta
                                    .putInt(2)
                                    .putLong(5)
                                    .putLong(70)
                                    .flip(),
                            ByteBuffer.allocate(1 + 8 + 4 + 8)
                                    .put((byte) 2) // kind: snapshot
                                    .putLong(64)
                                    .putInt(1)
                                    .putLong(0b101)
                                    .flip(),
                            ByteBuffer.allocate(1 + 4 + 8)
                                    .put((byte) 1) // kind: delta
                                    .putInt(1)
                                    .putLong(130)
                                    .flip());

            // and a replay gives back the snapshot and the delta after it, from the message log's start on
            try (ReleaseLog releaseLog = ReleaseLog.open(store, "x.released")) {
                ReleasedSet released = releaseLog.recover(64);
                assertThat(released.contains(64)).isTrue();
                assertThat(released.contains(65)).isFalse();
                assertThat(released.contains(66)).isTrue();
                assertThat(released.contains(70)).isFalse(); // a delta before the snapshot
                assertThat(released.contains(130)).isTrue();
            }
        }
    }

    @Test
    void aSnapshotTooLargeForOneEntryIsNotWrittenAndTheReleasesStillReplay() {
        // Given a release log whose entries may hold at most 3 KiB (4 KiB segments), with a snapshot due
        SnapshotLog.Config small = new SnapshotLog.Config("Release log", 4096, 256, "test");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            try (ReleaseLog releaseLog = ReleaseLog.open(store, "small.released", small)) {
                for (long offset = 0; !releaseLog.snapshotDue(); offset++) {
                    releaseLog.writeDelta(new long[] {offset}, 1);
                }
                long[] words = new long[1000]; // 8 KB
                words[999] = 1;

                // When the store writes a snapshot of a set that large, it is refused, and no longer due
                assertThat(releaseLog.writeSnapshot(new ReleasedSet(0, words), false))
                        .isFalse();
                assertThat(releaseLog.snapshotDue()).isFalse();
                // and the releases it holds go as a delta instead (DelayStore.writeReleases)
                releaseLog.writeDelta(new long[] {64 * 999}, 1);
            }

            // Then a replay has the deltas before and after the refused snapshot
            try (ReleaseLog releaseLog = ReleaseLog.open(store, "small.released", small)) {
                ReleasedSet released = releaseLog.recover(0);
                assertThat(released.contains(0)).isTrue();
                assertThat(released.contains(64 * 999)).isTrue();
            }
        }
    }
}
