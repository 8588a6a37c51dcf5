package io.hermod.server.tls;

import io.hermod.server.tls.TlsConfigException.Setting;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files (RFC 7468): certificates, and one unencrypted private key, PKCS#8 or RSA PKCS#1 (the form
 * {@code openssl genrsa} wrote before OpenSSL 3, which this class rewraps as PKCS#8, the only form the JDK reads).
 * Every failure is a {@link TlsConfigException} naming the setting and what is wrong with the file.
 */
final class PemFiles {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** The AlgorithmIdentifier of rsaEncryption (OID 1.2.840.113549.1.1.1, NULL parameters), DER. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
    };
    /** Key algorithms a PKCS#8 key may be in, tried in turn. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS");

    private PemFiles() {}

    /** One {@code -----BEGIN label-----} block: its label and its body, still Base64 (headers included). */
    record Block(String label, String body) {}

    /** The certificates in a PEM file, in file order; other blocks are skipped. At least one. */
    static List<X509Certificate> certificates(Setting setting, Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block block : blocks(setting, file)) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            try {
                certificates.add((X509Certificate)
                        factory.generateCertificate(new ByteArrayInputStream(decode(setting, block))));
            } catch (CertificateException e) {
                throw new TlsConfigException(
                        setting,
                        "certificate " + (certificates.size() + 1) + " of the file is not a valid X.509 certificate ("
                                + e.getMessage() + ")",
                        e);
            }
        }
        if (certificates.isEmpty()) {
            throw new TlsConfigException(setting, "the file holds no '-----BEGIN CERTIFICATE-----' block");
        }
        return certificates;
    }

    /** The one private key of a PEM file. */
    static PrivateKey privateKey(Setting setting, Path file) {
        List<Block> keys = blocks(setting, file).stream()
                .filter(b -> b.label().endsWith("PRIVATE KEY"))
                .toList();
        if (keys.isEmpty()) {
            throw new TlsConfigException(setting, "the file holds no '-----BEGIN PRIVATE KEY-----' block");
        }
        if (keys.size() > 1) {
            throw new TlsConfigException(setting, "the file holds " + keys.size() + " private keys; one is expected");
        }
        Block key = keys.get(0);
        return switch (key.label()) {
            case "PRIVATE KEY" -> pkcs8(setting, decode(setting, key));
            case "RSA PRIVATE KEY" -> {
                if (key.body().contains("Proc-Type:")) {
                    throw encrypted(setting);
                }
                yield pkcs8(setting, wrapRsaPkcs1(decode(setting, key)));
            }
            case "ENCRYPTED PRIVATE KEY" -> throw encrypted(setting);
            default ->
                throw new TlsConfigException(
                        setting,
                        "'BEGIN " + key.label() + "' keys are not read; convert it to PKCS#8 ('BEGIN PRIVATE KEY'):"
                                + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8");
        };
    }

    private static TlsConfigException encrypted(Setting setting) {
        return new TlsConfigException(
                setting,
                "the key is encrypted, and the server has no passphrase to decrypt it; store it unencrypted (readable"
                        + " by the server's user only): openssl pkey -in KEY -out KEY.plain");
    }

    private static PrivateKey pkcs8(Setting setting, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm (or one the JDK lacks): try the next
            }
        }
        throw new TlsConfigException(setting, "the private key is not a valid RSA, EC or EdDSA key in PKCS#8 form");
    }

    /**
     * PKCS#1's RSAPrivateKey inside PKCS#8's PrivateKeyInfo (RFC 5208): {@code SEQUENCE { INTEGER 0,
     * AlgorithmIdentifier rsaEncryption, OCTET STRING pkcs1 }}.
     */
    static byte[] wrapRsaPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream content = new ByteArrayOutputStream(pkcs1.length + 32);
        content.writeBytes(new byte[] {0x02, 0x01, 0x00});
        content.writeBytes(RSA_ALGORITHM);
        content.write(0x04);
        content.writeBytes(derLength(pkcs1.length));
        content.writeBytes(pkcs1);
        ByteArrayOutputStream info = new ByteArrayOutputStream(content.size() + 4);
        info.write(0x30);
        info.writeBytes(derLength(content.size()));
        info.writeBytes(content.toByteArray());
        return info.toByteArray();
    }

    /** A DER length: one byte below 128, else 0x80 + the count of big-endian bytes that follow. */
    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
        byte[] out = new byte[1 + bytes];
        out[0] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            out[bytes - i] = (byte) (length >>> (8 * i));
        }
        return out;
    }

    private static byte[] decode(Setting setting, Block block) {
        try {
            return Base64.getMimeDecoder().decode(block.body());
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(setting, "the '" + block.label() + "' block is not valid Base64", e);
        }
    }

    /** The PEM blocks of a file; fails when it cannot be read or holds none. */
    static List<Block> blocks(Setting setting, Path file) {
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new TlsConfigException(setting, "is a directory, not a PEM file");
            }
            // PEM is ASCII; Latin-1 reads any bytes, so that a binary (DER) file is reported as not PEM, below
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(setting, "the file does not exist");
        } catch (AccessDeniedException e) {
            throw new TlsConfigException(setting, "the file cannot be read (permission denied)");
        } catch (IOException e) {
            throw new TlsConfigException(setting, "the file cannot be read: " + e.getMessage(), e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        if (blocks.isEmpty()) {
            throw new TlsConfigException(
                    setting, "the file is not PEM: no '-----BEGIN ...-----' / '-----END ...-----' block in it");
        }
        return blocks;
    }
}
