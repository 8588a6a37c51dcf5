package io.hermod.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The seam through which storage opens segment files. Production uses {@link #DEFAULT}; tests wrap the channels it
 * returns to inject a full disk or an I/O error at a chosen moment.
 */
@FunctionalInterface
public interface StorageFileSystem {

    StorageFileSystem DEFAULT = FileChannel::open;

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;

    /** Options segment files are opened with: read and positional write, created when missing. */
    Set<StandardOpenOption> SEGMENT_OPTIONS =
            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
}
