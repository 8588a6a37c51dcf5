package io.hermod.storage;

import java.io.IOException;
import java.util.Locale;

/**
 * Every failure the storage layer reports. The {@link Kind} is stable and is what callers (the broker, and through it
 * the protocol modules) switch on; the message is for people.
 */
public final class StorageException extends RuntimeException {

    /** Stable failure kinds; protocol modules map these to their wire errors in one table each. */
    public enum Kind {
        /** An I/O error other than a full disk; the log stops accepting writes (sticky). */
        IO_ERROR,
        /** The device has no space left; the log stops accepting writes (sticky). */
        DISK_FULL,
        /** Stored bytes failed validation (length, magic, CRC) where they must be intact. */
        CORRUPT,
        /** The caller handed over bytes that are not a valid record batch. */
        INVALID_BATCH,
        /** An offset below the log start or above the log end was asked for. */
        OFFSET_OUT_OF_RANGE,
        /** The log (or its store) was closed or deleted. */
        CLOSED,
        /** The store's directory is locked by another open store, in this process or another (see DirectoryLock). */
        IN_USE
    }

    private final Kind kind;

    public StorageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Classifies an I/O failure of a write or fsync: a full disk is told apart from every other error. */
    static StorageException fromWriteFailure(String what, IOException e) {
        String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        Kind kind =
                text.contains("no space left") || text.contains("disk quota exceeded") ? Kind.DISK_FULL : Kind.IO_ERROR;
        return new StorageException(kind, what + ": " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "StorageException[" + kind + "]: " + getMessage();
    }
}
