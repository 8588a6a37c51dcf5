package io.hermod.amqp.codec;

import io.netty.handler.codec.DecoderException;

/**
 * Bytes that are not valid AMQP 0-9-1, with the reply code the spec gives for them: {@code FRAME_ERROR} (501) for
 * what cannot be decoded (a bad frame type, size or end octet; truncated arguments; a length beyond its frame),
 * {@code SYNTAX_ERROR} (502) for illegal values in well-formed frames, {@code COMMAND_INVALID} (503) for a class or
 * method the spec does not define. All of them are hard errors: the server answers with {@code connection.close}
 * carrying {@link #replyCode()}, {@link #getMessage()} and, when known, {@link #classId()}/{@link #methodId()} of the
 * offending method, and closes that connection only.
 *
 * <p>It extends Netty's {@link DecoderException} so that {@code ByteToMessageDecoder} hands it to
 * {@code exceptionCaught} as it is rather than wrapping it.
 *
 * <p>Threading: immutable.
 */
public final class AmqpCodecException extends DecoderException {

    private final ReplyCode replyCode;
    private final int classId;
    private final int methodId;

    /** A failure not tied to a method (class and method id 0). */
    public AmqpCodecException(ReplyCode replyCode, String message) {
        this(replyCode, message, 0, 0);
    }

    /** A failure while decoding the method {@code classId}.{@code methodId}. */
    public AmqpCodecException(ReplyCode replyCode, String message, int classId, int methodId) {
        super(message);
        this.replyCode = replyCode;
        this.classId = classId;
        this.methodId = methodId;
    }

    /** The reply code to close the connection with, as sent on the wire (e.g. 501). */
    public int replyCode() {
        return replyCode.value();
    }

    /** The reply code to close the connection with. */
    public ReplyCode code() {
        return replyCode;
    }

    /** The class id of the method that could not be decoded, 0 when the failure is not tied to one. */
    public int classId() {
        return classId;
    }

    /** The method id of the method that could not be decoded, 0 when the failure is not tied to one. */
    public int methodId() {
        return methodId;
    }
}
