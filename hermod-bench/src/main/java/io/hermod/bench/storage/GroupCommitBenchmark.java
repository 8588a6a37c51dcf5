package io.hermod.bench.storage;

import io.hermod.storage.AppendResult;
import io.hermod.storage.Durability;
import io.hermod.storage.LogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What group commit buys: 64 writers append single 1 KiB records (1,094 bytes per append), each waiting until its own
 * record is durable before sending the next, like 64 publishers with confirms and a window of one.
 *
 * <ul>
 *   <li>{@link #groupCommit}: one shared log under {@code fsync-always}; a writer waits on
 *       {@code append(..).durable().join()}. One fsync on a storage thread acknowledges every append written before it
 *       started.
 *   <li>{@link #ownFsync}: the same writers each doing their own fsync: every writer reserves space in one shared file,
 *       writes its record there and calls {@code force(false)} on its own thread. The file system may still merge
 *       fsyncs that wait for the same journal commit (ext4 does); that is the disk's own help, not Hermod's.
 *   <li>{@link #ownFsyncSerialised}: a log without group commit, which writes and fsyncs each append under its append
 *       lock, so fsyncs run one after another.
 * </ul>
 *
 * <p>ops/s = durable appends/s = records/s; MB/s = ops/s x 1,094 / 1e6. The ratios {@code groupCommit / ownFsync} and
 * {@code groupCommit / ownFsyncSerialised} are the group-commit gain. With 64 writers and a window of one, at most 64
 * records (70 KiB) can share an fsync, so this measures fsync amortisation, not bandwidth.
 *
 * <p>Threading: 64 JMH threads share one log or file per benchmark ({@link Scope#Benchmark}), made fresh in a
 * {@link ScratchDirectory} each iteration; each thread owns its batch buffer, since the log rewrites the base offset
 * in place. Completions finish on the log's storage threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(64)
public class GroupCommitBenchmark {

    /** The log all writers share, under {@code fsync-always}. */
    @State(Scope.Benchmark)
    public static class FsyncAlwaysLog {
        ScratchLog scratch;

        @Setup(Level.Iteration)
        public void open() throws IOException {
            scratch = ScratchLog.open("hermod-group-", config(Durability.FSYNC_ALWAYS));
        }

        @TearDown(Level.Iteration)
        public void delete() throws IOException {
            scratch.close();
        }
    }

    /** The plain file all writers share when each does its own fsync. */
    @State(Scope.Benchmark)
    public static class SharedFile {
        Path dir;
        FileChannel channel;
        final AtomicLong next = new AtomicLong();
        final Object appendLock = new Object();

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = ScratchDirectory.create("hermod-ownfsync-");
            channel = FileChannel.open(dir.resolve("file"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            next.set(0);
        }

        @TearDown(Level.Iteration)
        public void delete() throws IOException {
            channel.close();
            ScratchDirectory.delete(dir);
        }
    }

    /** One writer's single-record batch. */
    @State(Scope.Thread)
    public static class Writer {
        ByteBuffer batch;

        @Setup(Level.Trial)
        public void build() {
            batch = BenchBatches.batch(1, BenchBatches.RECORD_VALUE_BYTES, 42);
        }
    }

    static LogConfig config(Durability durability) {
        return LogConfig.builder()
                .segmentBytes(LogAppendBenchmark.SEGMENT_BYTES)
                .durability(durability)
                .build();
    }

    @Benchmark
    public long groupCommit(FsyncAlwaysLog shared, Writer writer) {
        AppendResult result = shared.scratch.log().append(writer.batch.duplicate());
        result.durable().join();
        return result.lastOffset();
    }

    @Benchmark
    public long ownFsync(SharedFile shared, Writer writer) throws IOException {
        ByteBuffer record = writer.batch.duplicate();
        long position = shared.next.getAndAdd(record.remaining());
        while (record.hasRemaining()) {
            position += shared.channel.write(record, position);
        }
        shared.channel.force(false);
        return position;
    }

    @Benchmark
    public long ownFsyncSerialised(SharedFile shared, Writer writer) throws IOException {
        ByteBuffer record = writer.batch.duplicate();
        synchronized (shared.appendLock) {
            long position = shared.next.getAndAdd(record.remaining());
            while (record.hasRemaining()) {
                position += shared.channel.write(record, position);
            }
            shared.channel.force(false);
            return position;
        }
    }
}
