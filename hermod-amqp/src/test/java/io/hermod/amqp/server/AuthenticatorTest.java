package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The loopback decision behind RabbitMQ's {@code loopback_users}; logins themselves are tested with the RabbitMQ Java
 * client in hermod-it ({@code UserAccessTest}).
 */
class AuthenticatorTest {

    @Test
    void loopbackIsDecidedFromThePeerAddress() {
        assertThat(Authenticator.isLoopback(new InetSocketAddress("127.0.0.1", 5672)))
                .isTrue();
        assertThat(Authenticator.isLoopback(new InetSocketAddress("127.8.9.10", 5672)))
                .isTrue();
        assertThat(Authenticator.isLoopback(new InetSocketAddress("::1", 5672))).isTrue();
        assertThat(Authenticator.isLoopback(new InetSocketAddress("192.0.2.1", 5672)))
                .isFalse();
        assertThat(Authenticator.isLoopback(new InetSocketAddress("2001:db8::1", 5672)))
                .isFalse();
        assertThat(Authenticator.isLoopback(null)).isFalse();
    }
}
