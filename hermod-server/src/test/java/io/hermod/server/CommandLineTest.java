package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void flags_take_their_value_after_a_space_or_an_equals_sign() {
        CommandLine line = CommandLine.parse("--config", "h.conf", "--data=d", "--amqp-port", "0", "--http-port=80");

        assertThat(line.help()).isFalse();
        assertThat(line.configFile()).isEqualTo(Path.of("h.conf"));
        assertThat(line.overrides())
                .containsEntry(ConfigKey.DATA_DIR, new Setting("d", "--data"))
                .containsEntry(ConfigKey.AMQP_PORT, new Setting("0", "--amqp-port"))
                .containsEntry(ConfigKey.HTTP_PORT, new Setting("80", "--http-port"));
    }

    @Test
    void help_is_recognised_in_both_spellings() {
        assertThat(CommandLine.parse("--help").help()).isTrue();
        assertThat(CommandLine.parse("-h").help()).isTrue();
    }

    @Test
    void an_unknown_option_fails_naming_it() {
        assertThatThrownBy(() -> CommandLine.parse("--amqp-prot", "5672"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unknown option '--amqp-prot' (see --help)");
        assertThatThrownBy(() -> CommandLine.parse("--verbose=yes"))
                .hasMessage("unknown option '--verbose' (see --help)");
        assertThatThrownBy(() -> CommandLine.parse("start")).hasMessage("unexpected argument 'start' (see --help)");
    }

    @Test
    void an_option_without_its_value_or_given_twice_fails() {
        assertThatThrownBy(() -> CommandLine.parse("--data")).hasMessage("--data needs a value (see --help)");
        assertThatThrownBy(() -> CommandLine.parse("--amqp-port", "1", "--amqp-port", "2"))
                .hasMessage("--amqp-port given twice");
        assertThatThrownBy(() -> CommandLine.parse("--config", "a", "--config=b"))
                .hasMessage("--config given twice");
    }

    @Test
    void the_usage_lists_every_key_with_its_default() {
        String usage = CommandLine.usage();

        for (ConfigKey key : ConfigKey.values()) {
            assertThat(usage).contains(key.key());
        }
        assertThat(usage).contains("--http-port").contains("management HTTP API port");
    }
}
