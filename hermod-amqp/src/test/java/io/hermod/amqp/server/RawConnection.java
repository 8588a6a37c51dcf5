package io.hermod.amqp.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A raw TCP connection to the AMQP server for the fuzzer: sends whatever bytes it is given and reads what the server
 * answers on a thread of its own, checking that the answer is well framed and noting the frames, the reply codes of
 * {@code connection.close} and {@code channel.close}, and the end of the stream.
 *
 * <p>Threading: one caller thread sends and awaits; the reader thread updates the state under this object's monitor.
 */
final class RawConnection implements AutoCloseable {

    /** {@code connection.close-ok} on channel 0. */
    static final byte[] CLOSE_OK = {1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, (byte) 0xce};

    private final Socket socket;
    private final OutputStream out;
    private final Thread reader;

    // guarded by this
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<Integer> connectionCloses = new ArrayList<>();
    private final List<Integer> channelCloses = new ArrayList<>();
    private int frames;
    private final RecordedSession.ServerFrames weights = new RecordedSession.ServerFrames();
    private boolean closeOk;
    private boolean headerAnswer;
    private String malformed;
    private boolean eof;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        this.reader = Thread.ofVirtual().name("fuzz-reader").start(() -> read(in));
    }

    static RawConnection open(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        return new RawConnection(socket);
    }

    /** Writes {@code bytes}; false when the server has closed the connection (the rest is not sent). */
    boolean send(byte[] bytes) {
        try {
            out.write(bytes);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Ends what the client sends (a FIN): the server sees the end of its input. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already closed by the server
        }
    }

    /** Waits until the server has sent {@code count} frames (heartbeats aside); false on timeout, close or EOF. */
    boolean awaitFrames(int count, long millis) throws InterruptedException {
        return await(() -> frames >= count || eof || !connectionCloses.isEmpty(), millis) && frames >= count;
    }

    /** Waits for the server's {@code connection.close} or the end of the stream; false on timeout. */
    boolean awaitCloseOrEof(long millis) throws InterruptedException {
        return await(() -> eof || !connectionCloses.isEmpty(), millis);
    }

    /** Waits for the end of the stream (the server closed the socket); false on timeout. */
    boolean awaitEof(long millis) throws InterruptedException {
        return await(() -> eof, millis);
    }

    synchronized int frames() {
        return frames;
    }

    synchronized List<Integer> connectionCloses() {
        return List.copyOf(connectionCloses);
    }

    synchronized List<Integer> channelCloses() {
        return List.copyOf(channelCloses);
    }

    synchronized boolean closeOk() {
        return closeOk;
    }

    synchronized boolean headerAnswer() {
        return headerAnswer;
    }

    /** Why the server's output was not well-formed AMQP, or null. */
    synchronized String malformed() {
        return malformed;
    }

    synchronized boolean eof() {
        return eof;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    private void read(InputStream in) {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                onBytes(buffer, n);
            }
        } catch (IOException e) {
            // reset by the server, or closed by us: the end either way
        } finally {
            synchronized (this) {
                eof = true;
                notifyAll();
            }
        }
    }

    private synchronized void onBytes(byte[] buffer, int n) {
        if (malformed != null) {
            return;
        }
        pending.write(buffer, 0, n);
        byte[] all = pending.toByteArray();
        int position = 0;
        if (!headerAnswer && frames == 0 && all.length > 0 && all[0] == 'A') {
            if (all.length < ProtocolHeaderHandler.HEADER.length) {
                return;
            }
            headerAnswer = true; // the server answered a bad protocol header with its own
            position = ProtocolHeaderHandler.HEADER.length;
        }
        while (all.length - position >= 7) {
            int type = all[position] & 0xff;
            long size = ByteBuffer.wrap(all, position + 3, 4).getInt() & 0xffff_ffffL;
            if (type != 1 && type != 2 && type != 3 && type != 8) {
                malformed = "the server sent a frame of type " + type;
                break;
            }
            if (all.length - position < size + 8) {
                break;
            }
            int end = position + 7 + (int) size;
            if ((all[end] & 0xff) != 0xce) {
                malformed = "the server sent a frame ending in 0x" + Integer.toHexString(all[end] & 0xff);
                break;
            }
            if (type == 1 && size >= 4) {
                onMethod(all, position + 7, (int) size);
            }
            frames += weights.weigh(all, position);
            position = end + 1;
        }
        pending.reset();
        pending.write(all, position, all.length - position);
        notifyAll();
    }

    private void onMethod(byte[] all, int payload, int size) {
        int classId = RecordedSession.u16(all, payload);
        int methodId = RecordedSession.u16(all, payload + 2);
        if (classId == 10 && methodId == 50 && size >= 6) {
            connectionCloses.add(RecordedSession.u16(all, payload + 4));
        } else if (classId == 10 && methodId == 51) {
            closeOk = true;
        } else if (classId == 20 && methodId == 40 && size >= 6) {
            channelCloses.add(RecordedSession.u16(all, payload + 4));
        }
    }
}
