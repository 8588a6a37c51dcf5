package io.hermod.bench.storage;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A loopback TCP connection whose far end a daemon thread reads and discards: the stand-in for a consumer's socket in
 * read benchmarks. A socket rather than {@code /dev/null} because the kernel's null device discards without touching
 * the data ({@code sendfile} to it moves no bytes at all), which would flatter both the copying and the zero-copy
 * path; here {@code FileChannel.transferTo} takes the same {@code sendfile} path into a socket that a broker's sends
 * take, and a heap buffer is copied into a socket buffer as it would be.
 *
 * <p>Threading: {@link #channel()} is written by one benchmark thread at a time (blocking); the drainer thread owns
 * the receiving end and its buffer. The drainer runs on one of the machine's cores, equally for every variant.
 */
final class LoopbackSink implements AutoCloseable {

    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final ServerSocketChannel server;
    private final SocketChannel sender;
    private final SocketChannel receiver;
    private final Thread drainer;

    private LoopbackSink(ServerSocketChannel server, SocketChannel sender, SocketChannel receiver) {
        this.server = server;
        this.sender = sender;
        this.receiver = receiver;
        this.drainer = Thread.ofPlatform().name("bench-sink-drainer").daemon().start(this::drain);
    }

    static LoopbackSink open() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel sender = SocketChannel.open();
            sender.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            sender.setOption(StandardSocketOptions.TCP_NODELAY, true);
            sender.connect(server.getLocalAddress());
            return new LoopbackSink(server, sender, server.accept());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The blocking sending end. */
    WritableByteChannel channel() {
        return sender;
    }

    private void drain() {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try {
            while (receiver.read(buf.clear()) >= 0) {
                // discard
            }
        } catch (ClosedChannelException e) {
            // closed by close(): done
        } catch (IOException e) {
            throw new IllegalStateException("loopback sink failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            sender.close();
            drainer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            receiver.close();
            server.close();
        }
    }
}
