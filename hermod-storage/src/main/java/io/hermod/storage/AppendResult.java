package io.hermod.storage;

import java.util.concurrent.CompletableFuture;

/**
 * The offsets a log assigned to an append, and a completion that finishes when the append is durable under the log's
 * {@link Durability} policy (or fails with a {@link StorageException}). Completions finish on a storage thread: hand
 * long work to your own executor.
 */
public record AppendResult(long firstOffset, long lastOffset, CompletableFuture<Void> durable) {}
