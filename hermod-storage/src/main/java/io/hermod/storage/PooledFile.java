package io.hermod.storage;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One segment file whose channel the {@link FileHandlePool} may close while it is idle and reopen on demand. Callers
 * {@link #acquire} a lease, use the channel, and {@link #release} it; a leased channel is never closed under them.
 *
 * <p>Thread-safe. The channel, the lease count and the ring membership are guarded by {@code lock}; the write and
 * fsync marks are volatile so the pool can tell a file with unflushed bytes (never evicted) from a clean one.
 */
final class PooledFile {

    enum Eviction {
        EVICTED,
        KEPT,
        NOT_OPEN
    }

    /** Reopens tolerated within one operation: other threads' interrupts may close the channel again and again. */
    private static final int MAX_REOPENS = 64;

    private final FileHandlePool pool;
    private final Path path;
    private final boolean pinWhileDirty;
    private final ReentrantLock lock = new ReentrantLock();

    private FileChannel channel;
    private int leases;
    private boolean inRing;
    private boolean closed;
    private volatile boolean referenced;
    private volatile long writeMark;
    private volatile long forceMark;

    PooledFile(FileHandlePool pool, Path path, boolean pinWhileDirty) {
        this.pool = pool;
        this.path = path;
        this.pinWhileDirty = pinWhileDirty;
    }

    Path path() {
        return path;
    }

    /** Leases the open channel, opening the file when the pool had closed it. Pair with {@link #release}. */
    FileChannel acquire() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            referenced = true;
            if (channel != null && !channel.isOpen()) {
                // closed under us, by the interrupt of some thread that was using it: reopen
                channel = null;
                pool.onClosed();
            }
            if (channel == null) {
                channel = pool.fileSystem().open(path, StorageFileSystem.SEGMENT_OPTIONS);
                boolean addToRing = !inRing;
                inRing = true;
                leases++;
                pool.onOpened(this, addToRing);
                return channel;
            }
            leases++;
            return channel;
        } finally {
            lock.unlock();
        }
    }

    /** An operation on the channel; it must be repeatable from scratch (positional I/O only). */
    @FunctionalInterface
    interface ChannelOp<T> {
        T apply(FileChannel channel) throws IOException;
    }

    /**
     * Runs {@code op} on a leased channel. A {@code FileChannel} closes itself when a thread using it is interrupted,
     * for every user of the channel; so when {@code op} finds the channel closed while the file is still in use, it is
     * run again on a reopened channel, with the caller's interrupt status set aside meanwhile and restored after.
     * Positional writes repeated from scratch overwrite whatever part of them the closed channel had written.
     *
     * @throws ClosedChannelException when the file was closed for good (its log closed or the segment deleted)
     */
    <T> T use(ChannelOp<T> op) throws IOException {
        boolean interrupted = false;
        try {
            for (int attempt = 1; ; attempt++) {
                FileChannel ch = acquire();
                try {
                    return op.apply(ch);
                } catch (ClosedChannelException e) {
                    if (isClosedForGood() || attempt == MAX_REOPENS) {
                        throw e;
                    }
                    interrupted |= Thread.interrupted();
                    invalidate(ch);
                } finally {
                    release();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Drops {@code ch} if it is still this file's channel, so the next acquire opens a fresh one. Needed where a
     * wrapping file system's channel still claims to be open after its inner channel was closed by an interrupt.
     */
    void invalidate(FileChannel ch) {
        lock.lock();
        try {
            if (channel == ch) {
                channel = null;
                pool.onClosed();
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // it is already closed underneath; nothing to lose
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} with the calling thread's interrupt flag set aside and restored after: an interrupted caller
     * must not close channels that every user of the log shares.
     */
    static <T> T withInterruptSetAside(Supplier<T> action) {
        boolean interrupted = Thread.interrupted();
        try {
            return action.get();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isClosedForGood() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            leases--;
            if (closed && leases == 0 && channel != null) {
                closeChannel();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records that bytes up to {@code size} were written and await an fsync. */
    void markWritten(long size) {
        writeMark = size;
    }

    /** Records that an fsync started when bytes up to {@code size} were written has completed. */
    void markForced(long size) {
        if (size > forceMark) {
            forceMark = size;
        }
    }

    long writeMark() {
        return writeMark;
    }

    boolean isDirty() {
        return writeMark > forceMark;
    }

    /** Called by the pool's sweep: closes the channel when it is idle, clean and not used since the last sweep. */
    Eviction tryEvict() {
        if (!lock.tryLock()) {
            return Eviction.KEPT;
        }
        try {
            if (channel == null) {
                inRing = false;
                return Eviction.NOT_OPEN;
            }
            boolean dirty = pinWhileDirty && writeMark > forceMark;
            if (leases > 0 || dirty || referenced) {
                referenced = false;
                return Eviction.KEPT;
            }
            inRing = false;
            closeChannel();
            return Eviction.EVICTED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the file for good; later acquires fail. A lease still held (a zero-copy send in flight, say) keeps the
     * channel open until its release.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            if (channel != null && leases == 0) {
                closeChannel();
            }
        } finally {
            lock.unlock();
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a channel we no longer use: nothing to lose
        } finally {
            channel = null;
            pool.onClosed();
        }
    }
}
