package dev.faultline.wordgame.http;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code --port-file}: the ports the listeners got, as {@code {"port":…,"adminPort":…,"tlsPort":…}} (null for a
 * listener that is not configured), so that a parent process that asked for port 0 can read them back. Written
 * once every listener is up, atomically (a reader sees the whole file or none), and removed on shutdown.
 */
final class PortFile {
    private PortFile() {
    }

    static void write(Path file, int port, int adminPort, int tlsPort) throws IOException {
        String json = new JsonObject().put("port", port).put("adminPort", adminPort < 0 ? null : adminPort)
                .put("tlsPort", tlsPort < 0 ? null : tlsPort).encode() + "\n";
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, json);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
