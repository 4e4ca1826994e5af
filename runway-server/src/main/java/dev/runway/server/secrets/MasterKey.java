package dev.runway.server.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that encrypts secrets at rest: 256 random bits, base64 in a file created with mode 0600 on first start
 * ({@code <data-dir>/master.key}, or {@code --master-key-file}; replicas on one database must share it). Values are
 * sealed with AES-256-GCM: a fresh 96-bit nonce per value, a 128-bit tag, and the secret's scope and name as
 * additional data, so a ciphertext moved to another row does not decrypt. {@link #id()} names the key in each row,
 * so a row sealed under another key is recognised instead of failing obscurely.
 */
public final class MasterKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;

    private final byte[] key;
    private final String id;

    MasterKey(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("a master key is 32 bytes, got " + key.length);
        this.key = key.clone();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key);
            this.id = HexFormat.of().formatHex(h, 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MasterKey generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new MasterKey(k);
    }

    /** Reads the key file, creating it (mode 0600) with a new key if it does not exist. */
    public static MasterKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                MasterKey k = generate();
                try {
                    Files.createFile(
                            file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, k.encoded() + "\n", StandardOpenOption.TRUNCATE_EXISTING);
                    return k;
                } catch (FileAlreadyExistsException e) {
                    // another replica made it first: read theirs
                }
            }
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the master key " + file, e);
        }
    }

    static MasterKey parse(String text, String where) {
        try {
            return new MasterKey(Base64.getDecoder().decode(text.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    where + " is not a Runway master key (32 bytes, base64): " + e.getMessage());
        }
    }

    /** Replaces the key file with {@code next} atomically, keeping the old one as {@code <file>.previous}. */
    public static void replace(Path file, MasterKey next) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, next.encoded() + "\n");
        if (Files.exists(file))
            Files.copy(
                    file, file.resolveSibling(file.getFileName() + ".previous"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    String encoded() {
        return Base64.getEncoder().encodeToString(key);
    }

    /** A short fingerprint naming this key (not secret: a hash prefix). */
    public String id() {
        return id;
    }

    /** nonce ‖ ciphertext ‖ tag. */
    byte[] seal(String plaintext, String associated) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + ct.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(ct, 0, out, nonce.length, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    String open(byte[] sealed, String associated) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, sealed, 0, NONCE_BYTES));
        c.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
        return new String(c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
    }
}
