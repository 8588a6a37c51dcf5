package io.hermod.storage;

import io.hermod.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory and brings it to a consistent state before the log serves anything:
 *
 * <ul>
 *   <li>segments wholly below the recovery point are trusted, but their index files are checked and rebuilt when
 *       missing or inconsistent, and the batches after their last index entry are validated (a truncated or garbled
 *       end is caught at once);
 *   <li>from the recovery point on, every batch is validated by length and CRC-32C; the first invalid one starts a
 *       torn tail, which is truncated (with its later segments) and reported at WARN with the bytes dropped;
 *   <li>damage before the recovery point fails the open with the file and position: it is never silently rewritten.
 * </ul>
 *
 * Runs on the opening thread before the log is published; not thread-safe.
 */
final class LogLoader {

    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    record Loaded(ConcurrentSkipListMap<Long, Segment> segments, long recoveryPoint) {}

    private LogLoader() {}

    static Segment createSegment(Path dir, long baseOffset, LogStore store, LogConfig config, long nowMs, boolean sync)
            throws IOException {
        Segment seg = newSegment(dir, baseOffset, store, config, nowMs);
        seg.file().acquire(); // creates the file
        seg.file().release();
        if (sync) {
            RecoveryCheckpoint.fsyncDirectory(dir);
        }
        return seg;
    }

    private static Segment newSegment(Path dir, long baseOffset, LogStore store, LogConfig config, long nowMs) {
        return new Segment(
                dir,
                baseOffset,
                store.filePool(),
                config.durability() != Durability.OS,
                config.indexIntervalBytes(),
                nowMs);
    }

    static Loaded load(Path dir, LogStore store, LogConfig config) throws IOException {
        boolean sync = config.durability() != Durability.OS;
        long now = store.clock().millis();
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(RecoveryCheckpoint.FILE_NAME + ".tmp"));
        List<Long> bases = segmentBases(dir);
        RecoveryCheckpoint.Point checkpoint = RecoveryCheckpoint.load(dir);
        long recoveryPoint = checkpoint.offset();
        ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
        if (bases.isEmpty()) {
            if (recoveryPoint > 0) {
                throw new StorageException(
                        Kind.CORRUPT,
                        "log directory " + dir + " has no segments but its recovery point is " + recoveryPoint);
            }
            if (sync) {
                RecoveryCheckpoint.fsyncDirectory(dir.getParent());
            }
            segments.put(0L, createSegment(dir, 0, store, config, now, sync));
            return new Loaded(segments, 0);
        }
        try {
            Loaded loaded = recover(dir, store, config, bases, recoveryPoint, segments, now, checkpoint.rollsSynced());
            if (checkpoint.rollsSynced() != sync) {
                // the policy changed: what this writer promises about its rolls from now on is what recovery trusts
                RecoveryCheckpoint.write(dir, loaded.recoveryPoint(), sync);
            }
            return loaded;
        } catch (IOException | RuntimeException e) {
            // a failed open leaves no file open behind it
            segments.values().forEach(Segment::close);
            throw e;
        }
    }

    private static Loaded recover(
            Path dir,
            LogStore store,
            LogConfig config,
            List<Long> bases,
            long recoveryPoint,
            ConcurrentSkipListMap<Long, Segment> segments,
            long now,
            boolean rollsSynced)
            throws IOException {
        long expected = bases.get(0);
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            Segment seg = newSegment(dir, base, store, config, now);
            segments.put(base, seg); // from here on closed with the others should the open fail
            long nextBase = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
            boolean belowRecoveryPoint = nextBase <= recoveryPoint;
            if (base != expected) {
                segments.remove(base);
                seg.close();
                if (rollsSynced || belowRecoveryPoint || base < recoveryPoint) {
                    throw new StorageException(
                            Kind.CORRUPT,
                            "segment " + seg.path() + " starts at offset " + base + " where " + expected
                                    + " was expected (recovery point " + recoveryPoint + ")");
                }
                dropTail(segments, bases.subList(i, bases.size()), dir, store, config, now, 0, null);
                break;
            }
            int from = prepareIndexes(seg, recoveryPoint, belowRecoveryPoint);
            long fromOffset = from == 0
                    ? base
                    : base + seg.offsetIndex().key(seg.offsetIndex().count() - 1);
            Segment.Damage damage = seg.recover(from, fromOffset);
            if (damage != null && from > 0 && damage.position() == from) {
                // the index's last entry does not point at the batch it names: rebuild the index from the data
                seg.offsetIndex().clear();
                seg.timeIndex().clear();
                damage = seg.recover(0, base);
            }
            boolean last = i == bases.size() - 1;
            if (damage != null && (belowRecoveryPoint || damage.expectedOffset() < recoveryPoint)) {
                throw new StorageException(
                        Kind.CORRUPT,
                        "corrupt segment " + seg.path() + " at position " + damage.position() + " (offset "
                                + damage.expectedOffset() + ", before the recovery point " + recoveryPoint + "): "
                                + damage.problem());
            }
            if (damage != null && rollsSynced && !last) {
                // the log's writer synced each segment before the next got a byte: only the last segment can have a
                // torn tail, and damage elsewhere is corruption of acknowledged data
                throw new StorageException(
                        Kind.CORRUPT,
                        "corrupt segment " + seg.path() + " at position " + damage.position() + " (offset "
                                + damage.expectedOffset() + "), which is not the last segment: " + damage.problem());
            }
            trimTimeIndex(seg);
            if (damage != null) {
                long dropped = seg.fileSize() - damage.position();
                seg.truncate(damage.position());
                dropTail(segments, bases.subList(i + 1, bases.size()), dir, store, config, now, dropped, damage);
                seg.persistIndexes();
                break;
            }
            if (belowRecoveryPoint) {
                seg.file().markForced(seg.size());
            } else {
                seg.force(); // what recovery validated is made durable before anything is acknowledged on top
            }
            seg.persistIndexes();
            expected = seg.nextOffset();
        }
        long end = segments.lastEntry().getValue().nextOffset();
        if (end < recoveryPoint) {
            Segment last = segments.lastEntry().getValue();
            throw new StorageException(
                    Kind.CORRUPT,
                    "log " + dir + " ends at offset " + end + " (in " + last.path() + ") below its recovery point "
                            + recoveryPoint + ": acknowledged data is missing");
        }
        return new Loaded(segments, recoveryPoint);
    }

    /**
     * Loads the segment's index files and returns the file position to validate from: the last index entry for a
     * segment below the recovery point, the entry at or before the recovery point for the segment holding it, and 0
     * (with fresh indexes) for segments after it or whose index files do not agree with the data.
     */
    private static int prepareIndexes(Segment seg, long recoveryPoint, boolean belowRecoveryPoint) throws IOException {
        SparseIndex offsets = seg.offsetIndex();
        SparseIndex times = seg.timeIndex();
        long fileSize = seg.fileSize();
        boolean usable = seg.baseOffset() < recoveryPoint
                && offsets.load()
                && times.load()
                && offsets.count() > 0
                && offsets.key(0) == 0
                && offsets.value(0) == 0
                && offsets.lastValue() < fileSize;
        if (!usable) {
            offsets.clear();
            times.clear();
            return 0;
        }
        if (!belowRecoveryPoint) {
            offsets.truncateTo(offsets.floor(recoveryPoint - seg.baseOffset()) + 1);
        }
        int last = offsets.count() - 1;
        // time entries for batches at or after the scan start are re-added by the scan
        times.truncateTo(times.floorByValue(offsets.key(last) - 1) + 1);
        return offsets.value(last);
    }

    /** Drops time index entries that point past the recovered end (an index written ahead of its data). */
    private static void trimTimeIndex(Segment seg) throws IOException {
        SparseIndex times = seg.timeIndex();
        times.truncateTo(times.floorByValue(seg.nextOffset() - seg.baseOffset() - 1) + 1);
    }

    private static void dropTail(
            ConcurrentSkipListMap<Long, Segment> kept,
            List<Long> dropBases,
            Path dir,
            LogStore store,
            LogConfig config,
            long now,
            long droppedSoFar,
            Segment.Damage damage)
            throws IOException {
        long dropped = droppedSoFar;
        for (long base : dropBases) {
            Segment doomed = newSegment(dir, base, store, config, now);
            dropped += doomed.fileSize();
            doomed.deleteFiles();
        }
        if (kept.isEmpty()) {
            long base = dropBases.get(0);
            kept.put(base, createSegment(dir, base, store, config, now, true));
        }
        RecoveryCheckpoint.fsyncDirectory(dir);
        LOG.warn(
                "Log {}: truncated a torn tail of {} bytes{}",
                dir,
                dropped,
                damage == null
                        ? " (segments not following on from the log)"
                        : " at " + kept.lastEntry().getValue().path() + " position " + damage.position() + " ("
                                + damage.problem() + ")");
    }

    private static List<Long> segmentBases(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String file = p.getFileName().toString();
                if (file.endsWith(Segment.LOG_SUFFIX)) {
                    String digits = file.substring(0, file.length() - Segment.LOG_SUFFIX.length());
                    if (digits.length() == 20 && digits.chars().allMatch(Character::isDigit)) {
                        bases.add(Long.parseLong(digits));
                    }
                }
            }
        }
        bases.sort(null);
        return bases;
    }
}
