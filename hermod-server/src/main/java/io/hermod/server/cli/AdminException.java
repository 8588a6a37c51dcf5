package io.hermod.server.cli;

/** An operator command that failed: its message is what the operator reads. */
final class AdminException extends RuntimeException {

    AdminException(String message) {
        super(message, null, false, false);
    }
}
