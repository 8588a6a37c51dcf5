package io.hermod.it;

import io.hermod.amqp.codec.AmqpConstants;
import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.ChannelOpen;
import io.hermod.amqp.codec.ChannelOpenOk;
import io.hermod.amqp.codec.ConnectionOpen;
import io.hermod.amqp.codec.ConnectionOpenOk;
import io.hermod.amqp.codec.ConnectionStart;
import io.hermod.amqp.codec.ConnectionStartOk;
import io.hermod.amqp.codec.ConnectionTune;
import io.hermod.amqp.codec.ConnectionTuneOk;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.codec.MethodDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A hand-driven AMQP 0-9-1 peer on a plain socket, for what no well-behaved client does: staying silent after
 * negotiating heartbeats, sending frames out of order. Frames are encoded with the codec under test; frames read are
 * parsed by hand (type, channel, size, payload, end octet) and methods decoded with the codec.
 */
final class RawAmqpPeer implements AutoCloseable {

    /** One frame as read from the server. */
    record RawFrame(int type, int channel, byte[] payload) {
        AmqpMethod method() {
            if (type != AmqpConstants.FRAME_METHOD) {
                throw new AssertionError("not a method frame: type " + type);
            }
            return MethodDecoder.decode(Unpooled.wrappedBuffer(payload));
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawAmqpPeer(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The protocol header; returns the server's connection.start. */
    ConnectionStart header() throws IOException {
        out.write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
        return expect(ConnectionStart.class);
    }

    /** Header and start-ok (PLAIN guest/guest); returns the server's proposal, connection.tune. */
    ConnectionTune authenticate() throws IOException {
        header();
        send(
                0,
                new ConnectionStartOk(
                        Map.of("product", "raw"), "PLAIN", "\0guest\0guest".getBytes(StandardCharsets.UTF_8), "en_US"));
        return expect(ConnectionTune.class);
    }

    /** Header, start-ok (PLAIN guest/guest), tune-ok with {@code heartbeat}, open of vhost "/" and channel 1. */
    RawAmqpPeer handshake(int heartbeat) throws IOException {
        ConnectionTune tune = authenticate();
        send(0, new ConnectionTuneOk(tune.channelMax(), tune.frameMax(), heartbeat));
        send(0, new ConnectionOpen("/", "", false));
        expect(ConnectionOpenOk.class);
        send(1, new ChannelOpen(""));
        expect(ChannelOpenOk.class);
        return this;
    }

    void send(int channel, AmqpMethod method) throws IOException {
        write(buf -> FrameEncoder.writeMethod(buf, channel, method));
    }

    /** Encodes frames with {@code encoder} and writes them. */
    void write(Consumer<ByteBuf> encoder) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.accept(buf);
            out.write(ByteBufUtil.getBytes(buf));
            out.flush();
        } finally {
            buf.release();
        }
    }

    /** The next frame other than a heartbeat. */
    RawFrame readFrame() throws IOException {
        while (true) {
            RawFrame frame = readAnyFrame();
            if (frame.type() != AmqpConstants.FRAME_HEARTBEAT) {
                return frame;
            }
        }
    }

    /** The next frame, heartbeats included; waits at most {@code millis}. */
    RawFrame readAnyFrame(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return readAnyFrame();
        } finally {
            socket.setSoTimeout(5_000);
        }
    }

    private RawFrame readAnyFrame() throws IOException {
        int type = in.readUnsignedByte();
        int channel = in.readUnsignedShort();
        int size = in.readInt();
        byte[] payload = new byte[size];
        in.readFully(payload);
        int end = in.readUnsignedByte();
        if (end != AmqpConstants.FRAME_END) {
            throw new IOException("bad frame end " + end);
        }
        return new RawFrame(type, channel, payload);
    }

    <M extends AmqpMethod> M expect(Class<M> type) throws IOException {
        AmqpMethod method = readFrame().method();
        if (!type.isInstance(method)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + method);
        }
        return type.cast(method);
    }

    /**
     * Whether the server has closed the socket, waiting at most {@code millis} for a sign: true at end of stream,
     * false when nothing (or only heartbeats) came. Never sends anything.
     */
    boolean closedByServer(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
