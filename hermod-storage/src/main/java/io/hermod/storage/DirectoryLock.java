package io.hermod.storage;

import io.hermod.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a store's directory, held from open to close: a second store on the same directory, in another
 * process or in this one, is refused before it touches anything (its recovery would otherwise delete or truncate files
 * the first is writing). The operating system releases the lock when the process dies, {@code kill -9} included, so a
 * crash never leaves the directory locked. The lock file itself stays; it holds nothing.
 *
 * <p>Threading: {@link #acquire} and {@link #close} by the store's owner.
 */
final class DirectoryLock implements AutoCloseable {

    static final String FILE_NAME = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory}.
     *
     * @throws StorageException {@code IN_USE} when it is locked already; {@code IO_ERROR} when the lock file cannot be
     *     opened
     */
    static DirectoryLock acquire(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException(Kind.IO_ERROR, "cannot open the lock file " + file + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another store of this process
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StorageException(Kind.IO_ERROR, "cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new StorageException(
                    Kind.IN_USE,
                    "the data directory " + directory + " is in use by another Hermod (or another store in this"
                            + " process): it holds the lock on " + file);
        }
        return new DirectoryLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing is written to the lock file: nothing to lose
        }
    }
}
