package io.hermod.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file seam that counts opens and fsyncs and, once armed, fails writes (after a byte budget, like a disk filling
 * up) or fsyncs with the given error message, or closes channels under writes, or holds fsyncs until a latch opens
 * (a slow disk). Thread-safe. Public, in the test jar,
 * for the broker's storage-failure tests.
 */
public final class FaultyFileSystem implements StorageFileSystem {

    public final AtomicInteger opens = new AtomicInteger();
    public final AtomicInteger openNow = new AtomicInteger();
    public final AtomicInteger maxOpenAtOnce = new AtomicInteger();
    public final AtomicInteger forces = new AtomicInteger();
    public final AtomicInteger okForces = new AtomicInteger();
    public final AtomicLong writeBudget = new AtomicLong(Long.MAX_VALUE);
    /** The next this-many writes find their channel closed under them, as another thread's interrupt does. */
    public final AtomicInteger closeUnderWrites = new AtomicInteger();

    public volatile String writeError = "No space left on device";
    public volatile String forceError;
    /** While set, every fsync waits for this latch to open. */
    public volatile java.util.concurrent.CountDownLatch forceGate;

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        opens.incrementAndGet();
        maxOpenAtOnce.accumulateAndGet(openNow.incrementAndGet(), Math::max);
        return new Channel(FileChannel.open(path, options));
    }

    private final class Channel extends FileChannel {
        private final FileChannel delegate;

        Channel(FileChannel delegate) {
            this.delegate = delegate;
        }

        private int guardedWrite(ByteBuffer src, long position) throws IOException {
            if (closeUnderWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                close();
                throw new AsynchronousCloseException();
            }
            int want = src.remaining();
            long left = writeBudget.getAndAdd(-want);
            if (left < want) {
                if (left > 0) {
                    // a partial write of what still fitted, as a full disk does
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + (int) left);
                    delegate.write(part, position);
                }
                throw new IOException(writeError);
            }
            return delegate.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = guardedWrite(src, delegate.position());
            delegate.position(delegate.position() + n);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw new UnsupportedOperationException("gathering writes are not used by storage");
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            forces.incrementAndGet();
            java.util.concurrent.CountDownLatch gate = forceGate;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("fsync held");
                }
            }
            String error = forceError;
            if (error != null) {
                throw new IOException(error);
            }
            delegate.force(metaData);
            okForces.incrementAndGet();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            ByteBuffer view = src.duplicate();
            int n = guardedWrite(view, position);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            openNow.decrementAndGet();
            delegate.close();
        }
    }
}
