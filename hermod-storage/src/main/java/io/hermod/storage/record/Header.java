package io.hermod.storage.record;

import java.nio.ByteBuffer;
import java.util.Objects;

/** A record header: a string key and an opaque value (a read-only view; may be null). */
public record Header(String key, ByteBuffer value) {
    public Header {
        Objects.requireNonNull(key, "key");
    }
}
