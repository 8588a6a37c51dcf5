package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpirationTest {

    @Test
    void absentIsNoTtl() {
        assertThat(Expiration.parse(null)).isEqualTo(Message.NO_TTL);
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "60000, 60000", "4294967295, 4294967295", "+5, 5", "007, 7", "-0, 0"})
    void digitsAreMilliseconds(String expiration, long ttl) {
        assertThat(Expiration.parse(expiration)).isEqualTo(ttl);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''           | invalid expiration '': no_integer",
                "soon         | invalid expiration 'soon': no_integer",
                "-1           | invalid expiration '-1': {value_negative,-1}",
                "10s          | invalid expiration '10s': {leftover_string,\"s\"}",
                "1.5          | invalid expiration '1.5': {leftover_string,\".5\"}",
                "4294967296   | invalid expiration '4294967296': {value_too_large,4294967296}",
                "99999999999999999999 | invalid expiration '99999999999999999999': {value_too_large,99999999999999999999}",
                "-               | invalid expiration '-': no_integer",
            })
    void anythingElseIsAChannelErrorInRabbitMqsWords(String expiration, String text) {
        assertThatThrownBy(() -> Expiration.parse(expiration))
                .isInstanceOfSatisfying(ProtocolError.class, e -> {
                    assertThat(e.replyCode()).isEqualTo(ReplyCodes.PRECONDITION_FAILED);
                    assertThat(e.closesConnection()).isFalse();
                })
                .hasMessage(text);
    }
}
