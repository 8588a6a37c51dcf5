package io.hermod.storage.record;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One record read out of a batch. {@code key} and {@code value} are read-only views into the batch's buffer (null when
 * absent), valid as long as that buffer is.
 */
public record Record(long offset, long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {}
