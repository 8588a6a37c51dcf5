package io.hermod.broker;

import io.hermod.storage.StorageFileSystem;

/** Opens a broker over a file seam (a slow or failing disk) for the end-to-end tests; the seam is package-private. */
public final class BrokerOnFileSystem {

    private BrokerOnFileSystem() {}

    public static Broker open(BrokerConfig config, StorageFileSystem fileSystem) {
        return Broker.open(config, new ResourceAlarms(() -> 0, 1, () -> Long.MAX_VALUE, 0), fileSystem);
    }
}
