package io.hermod.broker;

/** A refused or failed broker operation, with a stable {@link ErrorCode}. Nothing it refers to was changed. */
public final class BrokerException extends RuntimeException {

    private final ErrorCode code;

    public BrokerException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public BrokerException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return "BrokerException[" + code + "]: " + getMessage();
    }
}
