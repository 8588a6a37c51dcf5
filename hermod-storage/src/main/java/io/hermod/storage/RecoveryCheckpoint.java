package io.hermod.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The recovery point of a log: every offset below it is known to be on stable storage, so recovery validates only
 * what lies at or after it. One small text file, replaced by rename:
 *
 * <pre>
 *  hermod-recovery-point 1
 *  &lt;offset&gt;
 *  rolls synced | rolls unsynced
 * </pre>
 *
 * The third line says whether the log's writer syncs every segment before rolling to the next ({@code fsync-always},
 * {@code fsync-interval}) or not ({@code os}): only in the first case is damage in a segment other than the last
 * corruption rather than a torn write, whatever policy the log is reopened with.
 *
 * The file is written only after the data below the point has been synced, and is itself not synced: after a crash
 * it holds the old point, the new one, or something unreadable, which counts as 0. Each of these only widens the
 * recovery scan; none claims more than is durable. Stateless; the owning log serialises writes.
 */
final class RecoveryCheckpoint {

    static final String FILE_NAME = "recovery-point.checkpoint";
    private static final String HEADER = "hermod-recovery-point 1";

    private RecoveryCheckpoint() {}

    /** A stored recovery point and whether the log that wrote it synced each segment before rolling. */
    record Point(long offset, boolean rollsSynced) {}

    private static final String ROLLS_SYNCED = "rolls synced";

    /** The stored recovery point, or (0, unsynced) when there is none (recovery then validates the whole log). */
    static Point load(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Point(0, false);
        }
        String[] lines = text.split("\n");
        try {
            if (lines.length >= 2 && lines[0].equals(HEADER)) {
                long offset = Long.parseLong(lines[1].trim());
                if (offset >= 0) {
                    return new Point(offset, lines.length >= 3 && lines[2].equals(ROLLS_SYNCED));
                }
            }
        } catch (NumberFormatException e) {
            // fall through: an unreadable checkpoint is treated as absent, which only widens the recovery scan
        }
        return new Point(0, false);
    }

    /** The stored recovery point's offset (0 when there is none). */
    static long read(Path dir) throws IOException {
        return load(dir).offset();
    }

    static void write(Path dir, long recoveryPoint, boolean rollsSynced) throws IOException {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        String rolls = rollsSynced ? ROLLS_SYNCED : "rolls unsynced";
        byte[] bytes = (HEADER + "\n" + recoveryPoint + "\n" + rolls + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Makes a directory's entries (new, renamed or deleted files) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
