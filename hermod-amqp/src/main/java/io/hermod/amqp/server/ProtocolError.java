package io.hermod.amqp.server;

/**
 * A failure to report to the client as a channel or connection exception: the reply code, the text, and the method
 * that caused it (class and method id, or 0). Thrown inside the server's handlers and turned into channel.close or
 * connection.close in one place.
 */
final class ProtocolError extends RuntimeException {

    private final int replyCode;
    private final boolean closesConnection;
    private final int classId;
    private final int methodId;

    ProtocolError(int replyCode, boolean closesConnection, String text, int classId, int methodId) {
        super(text, null, false, false);
        this.replyCode = replyCode;
        this.closesConnection = closesConnection;
        this.classId = classId;
        this.methodId = methodId;
    }

    static ProtocolError connection(int replyCode, String text) {
        return new ProtocolError(replyCode, true, text, 0, 0);
    }

    int replyCode() {
        return replyCode;
    }

    boolean closesConnection() {
        return closesConnection;
    }

    int classId() {
        return classId;
    }

    int methodId() {
        return methodId;
    }

    /** The reply text as sent: RabbitMQ's form, the reply code's name, a dash, the message. */
    String replyText() {
        String text = ReplyCodes.text(replyCode, getMessage());
        return text.length() > 255 ? text.substring(0, 255) : text;
    }
}
