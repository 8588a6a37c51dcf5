package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogStoreConfigTest {

    @Test
    void theOpenFilePoolTakesHalfTheDescriptorLimitWithinItsBounds() {
        assertThat(LogStoreConfig.maxOpenFiles(20_000)).isEqualTo(10_000);
        assertThat(LogStoreConfig.maxOpenFiles(1_024)).isEqualTo(512);
        assertThat(LogStoreConfig.maxOpenFiles(100)).isEqualTo(64);
        assertThat(LogStoreConfig.maxOpenFiles(1_048_576)).isEqualTo(65_536);
    }

    @Test
    void anUnknownDescriptorLimitKeepsAPoolOf1024() {
        assertThat(LogStoreConfig.maxOpenFiles(-1)).isEqualTo(1_024);
        assertThat(LogStoreConfig.maxOpenFiles(0)).isEqualTo(1_024);
    }
}
