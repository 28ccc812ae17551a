package dev.faultline.harness.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway PKCS#12 keystores for the word-game server's TLS listener, one per key type, made for the run with the
 * JDK's {@code keytool} into the run directory: a self-signed certificate for 127.0.0.1 and localhost, valid for a
 * week. No private key lives in the repository; the password is a constant because the keys protect nothing.
 */
final class Keystores {
    static final String PASSWORD = "faultline";
    private static final Map<String, List<String>> KEY_ARGS = Map.of(
            "rsa2048", List.of("-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA"),
            "rsa4096", List.of("-keyalg", "RSA", "-keysize", "4096", "-sigalg", "SHA256withRSA"),
            "ecdsa-p256", List.of("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"));

    private final Path dir;
    private final Map<String, Path> made = new LinkedHashMap<>();

    /** Makes every key type's keystore in {@code dir} now (RSA 4096 takes a second or two). */
    Keystores(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        for (String key : KEY_ARGS.keySet().stream().sorted().toList()) {
            made.put(key, make(key));
        }
    }

    Path path(String key) {
        Path p = made.get(key);
        if (p == null) {
            throw new IllegalArgumentException("no key type \"" + key + "\" (known: " + made.keySet() + ")");
        }
        return p;
    }

    private Path make(String key) throws IOException {
        Path file = dir.resolve(key + ".p12");
        Files.deleteIfExists(file);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-noprompt", "-alias", "wordgame", "-storetype", "PKCS12",
                "-keystore", file.toString(), "-storepass", PASSWORD, "-validity", "7",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost"));
        cmd.addAll(KEY_ARGS.get(key));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s making the " + key + " keystore");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the " + key + " keystore", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0 || !Files.isRegularFile(file)) {
            throw new IOException("keytool could not make the " + key + " keystore: " + out);
        }
        return file;
    }
}
