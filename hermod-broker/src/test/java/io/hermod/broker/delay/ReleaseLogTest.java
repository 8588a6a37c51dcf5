package io.hermod.broker.delay;

import static org.assertj.core.api.Assertions.assertThat;

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
}
