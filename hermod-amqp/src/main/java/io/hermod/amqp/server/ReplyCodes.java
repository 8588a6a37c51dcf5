package io.hermod.amqp.server;

import io.hermod.broker.ErrorCode;

/**
 * The one table that turns the broker's stable error codes into AMQP 0-9-1 reply codes, and says whether each closes
 * the channel or the whole connection (spec 1.2 "constants": soft errors are channel exceptions, hard errors connection
 * exceptions).
 */
final class ReplyCodes {

    static final int REPLY_SUCCESS = 200;
    static final int CONNECTION_FORCED = 320;
    static final int NO_ROUTE = 312;
    static final int ACCESS_REFUSED = 403;
    static final int NOT_FOUND = 404;
    static final int RESOURCE_LOCKED = 405;
    static final int PRECONDITION_FAILED = 406;
    static final int FRAME_ERROR = 501;
    static final int SYNTAX_ERROR = 502;
    static final int COMMAND_INVALID = 503;
    static final int CHANNEL_ERROR = 504;
    static final int UNEXPECTED_FRAME = 505;
    static final int RESOURCE_ERROR = 506;
    static final int NOT_ALLOWED = 530;
    static final int NOT_IMPLEMENTED = 540;
    static final int INTERNAL_ERROR = 541;

    /** A reply code and whether it ends the connection (a hard error) rather than the channel. */
    record Reply(int code, boolean closesConnection) {}

    private ReplyCodes() {}

    static Reply of(ErrorCode error) {
        return switch (error) {
            case NOT_FOUND -> new Reply(NOT_FOUND, false);
            case PRECONDITION_FAILED -> new Reply(PRECONDITION_FAILED, false);
            case RESOURCE_LOCKED -> new Reply(RESOURCE_LOCKED, false);
            case ACCESS_REFUSED -> new Reply(ACCESS_REFUSED, false);
            case RESOURCE_ERROR -> new Reply(RESOURCE_ERROR, false);
            case COMMAND_INVALID -> new Reply(COMMAND_INVALID, true);
            case NOT_ALLOWED -> new Reply(NOT_ALLOWED, true);
            case NOT_IMPLEMENTED -> new Reply(NOT_IMPLEMENTED, true);
            case STORAGE_FAILED -> new Reply(INTERNAL_ERROR, true);
            case CLOSED -> new Reply(CONNECTION_FORCED, true);
        };
    }

    /** The reply text as RabbitMQ words it: the constant's name, a dash, the message. */
    static String text(int code, String message) {
        return name(code) + " - " + message;
    }

    static String name(int code) {
        return switch (code) {
            case CONNECTION_FORCED -> "CONNECTION_FORCED";
            case NO_ROUTE -> "NO_ROUTE";
            case ACCESS_REFUSED -> "ACCESS_REFUSED";
            case NOT_FOUND -> "NOT_FOUND";
            case RESOURCE_LOCKED -> "RESOURCE_LOCKED";
            case PRECONDITION_FAILED -> "PRECONDITION_FAILED";
            case FRAME_ERROR -> "FRAME_ERROR";
            case SYNTAX_ERROR -> "SYNTAX_ERROR";
            case COMMAND_INVALID -> "COMMAND_INVALID";
            case CHANNEL_ERROR -> "CHANNEL_ERROR";
            case UNEXPECTED_FRAME -> "UNEXPECTED_FRAME";
            case RESOURCE_ERROR -> "RESOURCE_ERROR";
            case NOT_ALLOWED -> "NOT_ALLOWED";
            case NOT_IMPLEMENTED -> "NOT_IMPLEMENTED";
            case INTERNAL_ERROR -> "INTERNAL_ERROR";
            default -> "ERROR";
        };
    }
}
