package io.hermod.broker.definitions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A salted password hash, computed as RabbitMQ's default {@code rabbit_password_hashing_sha256} does
 * ({@code rabbit_password:hash/2}; https://www.rabbitmq.com/docs/passwords#computing-password-hash): a random 4-byte
 * salt, then SHA-256 of the salt followed by the password's bytes.
 *
 * <pre>
 *  hash:  salt (4 bytes) | SHA-256(salt | password) (32 bytes)        base64 of these 36 bytes is RabbitMQ's
 *                                                                     "password_hash" in definitions files
 * </pre>
 *
 * So hashes move between Hermod and RabbitMQ definitions files unchanged. The salt makes two hashes of one password
 * differ; {@link #verify} compares in constant time. Immutable and thread-safe.
 */
public final class PasswordHash {

    /** RabbitMQ's name of this algorithm, as its definitions files give it ({@code hashing_algorithm}). */
    public static final String ALGORITHM = "rabbit_password_hashing_sha256";

    static final int SALT_BYTES = 4;
    static final int DIGEST_BYTES = 32;
    static final int BYTES = SALT_BYTES + DIGEST_BYTES;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private PasswordHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Hashes a password (its UTF-8 bytes) with a fresh random salt. */
    public static PasswordHash of(String password) {
        return of(password.getBytes(StandardCharsets.UTF_8));
    }

    /** Hashes a password's bytes with a fresh random salt. */
    public static PasswordHash of(byte[] password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return withSalt(salt, password);
    }

    /** Hashes a password's bytes with a given salt (for known-answer tests and interop). */
    static PasswordHash withSalt(byte[] salt, byte[] password) {
        if (salt.length != SALT_BYTES) {
            throw new IllegalArgumentException("a salt has " + SALT_BYTES + " bytes, not " + salt.length);
        }
        byte[] hash = Arrays.copyOf(salt, BYTES);
        System.arraycopy(digest(salt, password), 0, hash, SALT_BYTES, DIGEST_BYTES);
        return new PasswordHash(hash);
    }

    /**
     * The hash whose 36 bytes (salt and digest) are given.
     *
     * @throws IllegalArgumentException when there are not 36 of them
     */
    public static PasswordHash fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a SHA-256 password hash has " + BYTES + " bytes, not " + bytes.length);
        }
        return new PasswordHash(bytes.clone());
    }

    /**
     * The hash of a RabbitMQ definitions file's {@code password_hash} (base64, {@value #ALGORITHM}).
     *
     * @throws IllegalArgumentException when it is not base64 of 36 bytes
     */
    public static PasswordHash fromBase64(String base64) {
        return fromBytes(Base64.getDecoder().decode(base64));
    }

    /**
     * Whether {@code password} is the one hashed. The digests are compared in constant time ({@link
     * MessageDigest#isEqual} does not return at the first difference), so the time taken says nothing about how much
     * of a guess was right.
     */
    public boolean verify(byte[] password) {
        byte[] salt = Arrays.copyOf(bytes, SALT_BYTES);
        byte[] expected = Arrays.copyOfRange(bytes, SALT_BYTES, BYTES);
        return MessageDigest.isEqual(expected, digest(salt, password));
    }

    /** The salt and digest (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The salt and digest in base64, RabbitMQ's {@code password_hash}. */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] digest(byte[] salt, byte[] password) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        sha256.update(salt);
        sha256.update(password);
        return sha256.digest();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Says what it is, not what it holds: hashes stay out of logs. */
    @Override
    public String toString() {
        return "PasswordHash[" + ALGORITHM + "]";
    }
}
