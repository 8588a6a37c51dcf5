package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.storage.record.Record;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends under {@code fsync-always} with SIGKILL at random moments and checks, after each
 * kill, that every acknowledged record is present and intact and that nothing corrupt is readable. The default build
 * runs a few kills; {@code ./mvnw verify -Pcrash} runs the long loop (tag {@code crash-loop}).
 */
class LogCrashTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyAcknowledgedRecordSurvivesAFewKills() throws Exception {
        killRepeatedly(3, new Random().nextLong());
    }

    @Test
    @Tag("crash-loop")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void everyAcknowledgedRecordSurvivesFiftyKills() throws Exception {
        killRepeatedly(50, new Random().nextLong());
    }

    private void killRepeatedly(int kills, long seed) throws Exception {
        Random random = new Random(seed);
        Map<Long, Long> ackedSeqByOffset = new HashMap<>();
        for (int round = 0; round < kills; round++) {
            long firstSeq = (round + 1) * 1_000_000_000L;
            int acksBefore = ackedSeqByOffset.size();
            runAndKill(firstSeq, random, ackedSeqByOffset);
            assertThat(ackedSeqByOffset.size())
                    .as("round %d (seed %d) acknowledged something before the kill", round, seed)
                    .isGreaterThan(acksBefore);
            verify(ackedSeqByOffset, "round " + round + " (seed " + seed + ")");
        }
    }

    /** Starts the child, lets it append for a random while after its first acknowledgement, and SIGKILLs it. */
    private void runAndKill(long firstSeq, Random random, Map<Long, Long> acked) throws Exception {
        Process child = CrashingAppender.start(dir, firstSeq);
        CountDownLatch firstAck = new CountDownLatch(1);
        Map<Long, Long> seen = new HashMap<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String[] parts = line.split(" ");
                    if (parts[0].equals("ACK") && parts.length == 4) {
                        long offset = Long.parseLong(parts[1]);
                        int count = Integer.parseInt(parts[2]);
                        long seq = Long.parseLong(parts[3]);
                        synchronized (seen) {
                            for (int i = 0; i < count; i++) {
                                seen.put(offset + i, seq + i);
                            }
                        }
                        firstAck.countDown();
                    }
                }
            } catch (IOException e) {
                // the child died mid-line: whatever was fully read counts
            }
        });
        reader.start();
        try {
            assertThat(firstAck.await(60, TimeUnit.SECONDS))
                    .as("child acknowledged an append")
                    .isTrue();
            Thread.sleep(random.nextInt(800));
        } finally {
            child.destroyForcibly(); // SIGKILL on Unix
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(30_000);
        }
        synchronized (seen) {
            for (Map.Entry<Long, Long> e : seen.entrySet()) {
                Long previous = acked.put(e.getKey(), e.getValue());
                assertThat(previous)
                        .as("offset %d was acknowledged twice", e.getKey())
                        .isNull();
            }
        }
    }

    private void verify(Map<Long, Long> ackedSeqByOffset, String round) {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog(CrashingAppender.LOG_NAME, CrashingAppender.logConfig());
            List<Record> records = TestRecords.readAll(log);
            Map<Long, Record> byOffset = new HashMap<>();
            long expectedOffset = log.startOffset();
            for (Record r : records) {
                assertThat(r.offset()).as("%s: offsets are contiguous", round).isEqualTo(expectedOffset++);
                assertThat(TestRecords.intact(r, CrashingAppender.MAX_VALUE))
                        .as("%s: record at offset %d is intact", round, r.offset())
                        .isTrue();
                byOffset.put(r.offset(), r);
            }
            assertThat(expectedOffset).isEqualTo(log.endOffset());
            for (Map.Entry<Long, Long> e : ackedSeqByOffset.entrySet()) {
                Record r = byOffset.get(e.getKey());
                assertThat(r)
                        .as("%s: acknowledged offset %d is present", round, e.getKey())
                        .isNotNull();
                assertThat(TestRecords.seqOf(r))
                        .as("%s: acknowledged offset %d holds its record", round, e.getKey())
                        .isEqualTo(e.getValue());
            }
        }
    }
}
