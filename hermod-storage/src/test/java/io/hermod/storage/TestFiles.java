package io.hermod.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** File surgery for recovery tests: crash images, truncation, bit flips; and an interrupted reader. Stateless. */
final class TestFiles {

    private TestFiles() {}

    /** Copies a log directory tree as it is on disk now: the image a kill -9 at this moment would leave. */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static List<Path> segmentFiles(Path logDir) throws IOException {
        try (Stream<Path> list = Files.list(logDir)) {
            return list.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            ch.write(b.flip(), position);
        }
    }

    static void truncateBy(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - bytes);
        }
    }

    /** Reads the log on a thread that is interrupted already: the read closes the segment's shared channel. */
    static void interruptedRead(Log log) throws InterruptedException {
        Thread t = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            try {
                log.read(0, 1 << 20);
            } catch (StorageException ignored) {
                // an interrupted read may fail; what matters is what it does to everyone else
            }
        });
        t.join();
    }
}
