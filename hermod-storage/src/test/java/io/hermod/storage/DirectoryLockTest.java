package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.StorageException.Kind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One open store per directory: a second one, in this process or another, is refused before its recovery can delete or
 * truncate what the first is writing (two brokers started on one data directory did exactly that), and a store killed
 * with SIGKILL leaves no lock behind.
 */
@Timeout(60)
class DirectoryLockTest {

    @TempDir
    Path dir;

    private static void assertInUse(Path dir) {
        assertThatThrownBy(() -> LogStore.open(LogStoreConfig.of(dir)))
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.IN_USE))
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("in use");
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
        try (LogStore first = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = first.openLog("q", LogConfig.builder().build());

            assertInUse(dir);

            log.append(TestRecords.batch(1, 1, 10, 0)).durable().join();
            assertThat(first.storedLogNames()).containsExactly("q");
        }
        try (LogStore again = LogStore.open(LogStoreConfig.of(dir))) {
            assertThat(again.storedLogNames()).containsExactly("q");
        }
        assertThat(Files.exists(dir.resolve(DirectoryLock.FILE_NAME))).isTrue();
    }

    @Test
    void anotherProcessHoldsTheLockUntilItIsKilled() throws Exception {
        Process child = CrashingAppender.start(dir, 1);
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("READY");

            assertInUse(dir);
        } finally {
            child.destroyForcibly(); // SIGKILL: the operating system releases the lock with the process
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            assertThat(store.storedLogNames()).contains(CrashingAppender.LOG_NAME);
        }
    }
}
