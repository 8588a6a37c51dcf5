package io.hermod.broker.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Password hashes as RabbitMQ's {@code rabbit_password_hashing_sha256} makes them, checked against the hashes
 * RabbitMQ's own documentation prints (https://www.rabbitmq.com/docs/passwords#computing-password-hash).
 */
@Timeout(10)
class PasswordHashTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void twoHashesOfOnePasswordDifferByTheirSaltAndBothVerify() {
        PasswordHash first = PasswordHash.of("s3cret");
        PasswordHash second = PasswordHash.of("s3cret");

        assertThat(first).isNotEqualTo(second);
        assertThat(first.toBase64()).isNotEqualTo(second.toBase64());
        assertThat(first.verify(utf8("s3cret"))).isTrue();
        assertThat(second.verify(utf8("s3cret"))).isTrue();
    }

    @Test
    void aWrongPasswordDoesNotVerify() {
        PasswordHash hash = PasswordHash.of("s3cret");

        assertThat(hash.verify(utf8("s3cre"))).isFalse();
        assertThat(hash.verify(utf8("s3crets"))).isFalse();
        assertThat(hash.verify(utf8("S3cret"))).isFalse();
        assertThat(hash.verify(new byte[0])).isFalse();
    }

    @Test
    void theHashIsTheSaltThenSha256OfTheSaltAndThePassword() {
        // the worked example of RabbitMQ's passwords guide: salt 908D C60A, password "test12"
        PasswordHash hash = PasswordHash.withSalt(HexFormat.of().parseHex("908dc60a"), utf8("test12"));

        assertThat(hash.toBase64()).isEqualTo("kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR");
        assertThat(HexFormat.of().formatHex(hash.bytes()))
                .isEqualTo("908dc60a" + "a5b924b3096b8897d65a3b5f80fa5db62a94b83122cdf4f8fead10d515d8f391");
    }

    @Test
    void hashesMadeByRabbitMqVerifyHere() {
        // `rabbitmqctl hash_password foobarbaz` and the HTTP API's /api/auth/hash_password/foobarbaz, from the guide
        for (String rabbitHash : new String[] {
            "27cx5+wEi8R8uwTeTr3hk5azuV3yYxxAtwPPhCyrbdsxVhqq", "TBybOvomyVw6BqBU/fHCEpVhDO7fLdQ4kxZDUpt6hagCxV8I"
        }) {
            PasswordHash hash = PasswordHash.fromBase64(rabbitHash);

            assertThat(hash.verify(utf8("foobarbaz"))).as(rabbitHash).isTrue();
            assertThat(hash.verify(utf8("foobarba"))).as(rabbitHash).isFalse();
            assertThat(hash.toBase64()).isEqualTo(rabbitHash);
        }
    }

    @Test
    void verificationComparesEveryByteOfTheDigest() {
        // the comparison is MessageDigest.isEqual, which is constant-time: it does not stop at the first difference.
        // Timing is not measured here (that would be a flaky test); what is checked is that a digest differing only in
        // its first or only in its last byte is refused, so no prefix or suffix of it decides alone.
        PasswordHash hash = PasswordHash.withSalt(new byte[] {1, 2, 3, 4}, utf8("pw"));
        byte[] firstByteFlipped = hash.bytes();
        firstByteFlipped[PasswordHash.SALT_BYTES] ^= 1;
        byte[] lastByteFlipped = hash.bytes();
        lastByteFlipped[PasswordHash.BYTES - 1] ^= 1;

        assertThat(PasswordHash.fromBytes(firstByteFlipped).verify(utf8("pw"))).isFalse();
        assertThat(PasswordHash.fromBytes(lastByteFlipped).verify(utf8("pw"))).isFalse();
        assertThat(PasswordHash.fromBytes(hash.bytes()).verify(utf8("pw"))).isTrue();
    }

    @Test
    void passwordsAreHashedAsTheirBytesSoAnyUnicodeWorks() {
        PasswordHash hash = PasswordHash.of("pässwörd ✓ 🐇");

        assertThat(hash.verify(utf8("pässwörd ✓ 🐇"))).isTrue();
        assertThat(hash.verify(utf8("passwor"))).isFalse();
    }

    @Test
    void malformedHashesAreRefused() {
        assertThatThrownBy(() -> PasswordHash.fromBytes(new byte[35]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("36 bytes, not 35");
        assertThatThrownBy(() -> PasswordHash.fromBase64("not base64!")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PasswordHash.withSalt(new byte[3], utf8("pw")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHashNeverShowsItselfInLogs() {
        PasswordHash hash = PasswordHash.of("s3cret");

        assertThat(hash.toString()).doesNotContain(hash.toBase64()).contains("rabbit_password_hashing_sha256");
        assertThat(new UserDefinition("u", hash, null).toString()).doesNotContain(hash.toBase64());
    }

    @Test
    void userTagsAreSortedWithoutDuplicates() {
        UserDefinition user = new UserDefinition(
                "u", PasswordHash.of("p"), java.util.List.of("monitoring", "administrator", "monitoring"));

        assertThat(user.tags()).containsExactly("administrator", "monitoring");
    }
}
