package io.hermod.broker.dedup;

import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deduplication window of a queue or an exchange ({@code x-message-deduplication}): the keys of the messages taken
 * lately, at most {@code maxKeys} of them and none older than {@code ttlMillis} (when set). A message whose key is in
 * the window is a duplicate.
 *
 * <p>A key enters the window when its message is accepted ({@link #admit}) and is written to the window's own log
 * once the message is stored ({@link #stored}); a message that fails to be stored leaves the window ({@link
 * #failed}), so that the publisher's retry is not taken for a duplicate. At start the window is read back from its log
 * (so it survives restarts and {@code kill -9}; the log is written without fsync, like a queue's cursor log, so a
 * machine crash may forget the last keys: a duplicate may then get through, never a message be refused). The log is
 * compacted by rewriting the live keys once it holds twice as many as the window.
 *
 * <p>Thread-safe: an exchange's window is used by every publishing thread.
 */
public final class DedupWindow implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DedupWindow.class);
    private static final int SEGMENT_BYTES = 1 << 20;

    private final long maxKeys;
    private final long ttlMillis;
    private final InstantSource clock;
    private final Log log; // null: in memory only
    private final LinkedHashMap<String, Long> keys = new LinkedHashMap<>(); // first seen, oldest first
    private long writtenSinceCompaction;
    private boolean failed;

    private DedupWindow(long maxKeys, long ttlMillis, InstantSource clock, Log log) {
        this.maxKeys = maxKeys;
        this.ttlMillis = ttlMillis;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Opens a window, reading back what its log holds.
     *
     * @param store where its log lives; null for a window that does not survive a restart (a transient queue's)
     * @param ttlMillis how long a key stays; 0 or less for no time limit
     */
    public static DedupWindow open(LogStore store, String logName, long maxKeys, long ttlMillis, InstantSource clock) {
        if (store == null) {
            return new DedupWindow(maxKeys, ttlMillis, clock, null);
        }
        Log log = store.openLog(
                logName,
                LogConfig.builder()
                        .durability(Durability.OS)
                        .segmentBytes(SEGMENT_BYTES)
                        .build());
        DedupWindow window = new DedupWindow(maxKeys, ttlMillis, clock, log);
        try {
            window.recover();
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        return window;
    }

    private void recover() {
        log.forEachRecord(log.startOffset(), r -> {
            if (r.value() != null) {
                keys.putIfAbsent(StandardCharsets.UTF_8.decode(r.value()).toString(), r.timestamp());
                writtenSinceCompaction++;
            }
        });
        evict(clock.millis());
    }

    /** Whether a message with this key may pass: true (and the key enters the window) unless it is a duplicate. */
    public synchronized boolean admit(String key) {
        long now = clock.millis();
        evict(now);
        return keys.putIfAbsent(key, now) == null;
    }

    /** The message with this key is stored: its key is written to the window's log. */
    public synchronized void stored(String key) {
        Long seen = keys.get(key);
        if (log == null || failed || seen == null) {
            return;
        }
        try {
            log.append(new RecordBatchBuilder()
                    .add(seen, null, key.getBytes(StandardCharsets.UTF_8))
                    .build());
            if (++writtenSinceCompaction > 2 * Math.max(keys.size(), 1024)) {
                compact();
            }
        } catch (StorageException e) {
            failed = true;
            LOG.error("Deduplication log {} failed; the window is kept in memory only: {}", log.name(), e.getMessage());
        }
    }

    /** The message with this key was not stored: its key leaves the window. */
    public synchronized void failed(String key) {
        keys.remove(key);
    }

    public synchronized int size() {
        return keys.size();
    }

    private void evict(long now) {
        Iterator<Map.Entry<String, Long>> oldest = keys.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, Long> e = oldest.next();
            if (keys.size() > maxKeys || ttlMillis > 0 && now - e.getValue() >= ttlMillis) {
                oldest.remove();
            } else {
                break;
            }
        }
    }

    /** Rewrites the live keys after what the log holds and drops the segments wholly before them. */
    private void compact() {
        evict(clock.millis());
        RecordBatchBuilder batch = new RecordBatchBuilder();
        keys.forEach((k, t) -> batch.add(t, null, k.getBytes(StandardCharsets.UTF_8)));
        long first =
                keys.isEmpty() ? log.endOffset() : log.append(batch.build()).firstOffset();
        log.deleteSegmentsBelow(first);
        writtenSinceCompaction = keys.size();
    }

    /** Deletes the window's log (its queue or exchange is deleted). */
    public synchronized void delete() {
        if (log != null) {
            log.delete();
        }
    }

    @Override
    public synchronized void close() {
        if (log != null) {
            log.close();
        }
    }
}
