package io.hermod.bench.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@link LogAppendBenchmark}: how fast the same disk takes durable sequential writes with no log in
 * the way. One operation writes {@code mibPerOp} MiB in {@code chunkKiB} KiB chunks with positional
 * {@code FileChannel.write} calls from a heap buffer (as a segment does), then calls {@code force(false)} (as group
 * commit does), so every byte counted is on stable storage when the operation ends. Files roll every 256 MiB like log
 * segments, so the file system allocates blocks for new files at the same rate.
 *
 * <p>MB/s = ops/s x {@code mibPerOp} x 1.048576, or directly {@code :bytes} / 1e6. The ratio that matters is
 * {@code LogAppendBenchmark.append:bytes} (fsync-always, 256 records per batch) / {@code RawDiskWriteBenchmark
 * .writeAndForce:bytes}: the share of the disk's durable write bandwidth the log delivers. It can exceed 1: this loop
 * is one thread that copies 64 MiB into the page cache and then waits for the device, one after the other, while the
 * log copies the next batches on the appending thread during the previous group commit's fsync on a storage thread.
 * On a disk whose fsync is cheap (a virtual disk with a write-back cache) that overlap outweighs the log's more
 * frequent fsyncs; on a disk whose fsync is expensive the ratio drops below 1.
 *
 * <p>Threading: one benchmark thread owns the file and the buffer. Each iteration writes to a new
 * {@link ScratchDirectory} deleted at its teardown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class RawDiskWriteBenchmark {

    @Param({"256"})
    public int chunkKiB;

    @Param({"64"})
    public int mibPerOp;

    private ByteBuffer chunk;
    private Path dir;
    private FileChannel file;
    private long position;
    private int fileCount;

    @Setup(Level.Trial)
    public void buildChunk() {
        chunk = BenchBatches.randomBytes(chunkKiB << 10, 42);
    }

    @Setup(Level.Iteration)
    public void openFile() throws IOException {
        dir = ScratchDirectory.create("hermod-raw-");
        fileCount = 0;
        nextFile();
    }

    @TearDown(Level.Iteration)
    public void deleteFiles() throws IOException {
        try {
            file.close();
        } finally {
            ScratchDirectory.delete(dir);
        }
    }

    @Benchmark
    public long writeAndForce(ByteCounter counter) throws IOException {
        long bytes = (long) mibPerOp << 20;
        long written = 0;
        while (written < bytes) {
            if (position + chunk.capacity() > LogAppendBenchmark.SEGMENT_BYTES) {
                file.force(false);
                file.close();
                nextFile();
            }
            chunk.clear();
            while (chunk.hasRemaining()) {
                position += file.write(chunk, position);
            }
            written += chunk.capacity();
        }
        file.force(false);
        counter.bytes += written;
        return position;
    }

    private void nextFile() throws IOException {
        file = FileChannel.open(
                dir.resolve(String.format("%08d.raw", fileCount++)),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        position = 0;
    }
}
