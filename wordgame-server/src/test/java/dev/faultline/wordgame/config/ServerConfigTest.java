package dev.faultline.wordgame.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    private static ServerConfig parse(Map<String, String> env, String... args) {
        return ServerConfig.parse(ServerConfig.flags().parse(args, env));
    }

    @Test
    void defaultsMatchTheContract() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.port()).isEqualTo(1337);
        assertThat(c.maxGames()).isEqualTo(100_000);
        assertThat(c.gameTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.tls().enabled()).isFalse();
        assertThat(c.accessLog()).isTrue();
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverDefaults() {
        Map<String, String> env = Map.of("WORDGAME_PORT", "2000", "WORDGAME_MAX_GAMES", "7");
        ServerConfig c = parse(env, "--port", "3000");
        assertThat(c.port()).isEqualTo(3000);
        assertThat(c.maxGames()).isEqualTo(7);
        assertThat(parse(Map.of(), "--port=4000", "--access-log=false").port()).isEqualTo(4000);
        assertThat(parse(Map.of(), "--access-log=false").accessLog()).isFalse();
        assertThat(parse(Map.of("WORDGAME_GAME_TTL", "1m30s")).gameTtl()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void idempotencyKeysAreBoundedInTimeAndCountWithEnvironmentEquivalents() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.idempotencyWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.idempotencyMaxKeys()).isEqualTo(100_000);
        ServerConfig set = parse(Map.of("WORDGAME_IDEMPOTENCY_WINDOW", "30s"), "--idempotency-max-keys", "500");
        assertThat(set.idempotencyWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.idempotencyMaxKeys()).isEqualTo(500);
        assertThatThrownBy(() -> parse(Map.of(), "--idempotency-max-keys", "0"))
                .hasMessage("--idempotency-max-keys: \"0\" is not between 1 and 10000000");
        assertThatThrownBy(() -> parse(Map.of(), "--idempotency-window", "0s"))
                .hasMessage("--idempotency-window: \"0s\" is not between 1s and 24h");
        assertThat(ServerConfig.flags().help("")).contains("--idempotency-window", "WORDGAME_IDEMPOTENCY_MAX_KEYS");
    }

    @Test
    void badValuesNameTheOptionAndTheValue() {
        assertThatThrownBy(() -> parse(Map.of(), "--port", "http"))
                .isInstanceOf(ConfigException.class).hasMessage("--port: \"http\" is not a whole number");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "70000"))
                .hasMessage("--port: \"70000\" is not between 0 and 65535");
        assertThatThrownBy(() -> parse(Map.of("WORDGAME_GAME_TTL", "1x")))
                .hasMessage("WORDGAME_GAME_TTL: \"1x\" is not a duration (e.g. 500ms, 30s, 10m)");
        assertThatThrownBy(() -> parse(Map.of(), "--access-log=maybe"))
                .hasMessage("--access-log: \"maybe\" is not true or false");
        assertThatThrownBy(() -> parse(Map.of(), "--words", dir.resolve("none.txt").toString()))
                .hasMessageStartingWith("--words: \"").hasMessageEndingWith("none.txt\" is not a file");
        assertThatThrownBy(() -> parse(Map.of(), "--otlp-endpoint", "localhost:4318"))
                .hasMessage("--otlp-endpoint: \"localhost:4318\" is not an http:// or https:// URL");
        assertThatThrownBy(() -> parse(Map.of(), "--tls-protocols", "SSLv3"))
                .hasMessageContaining("names SSLv3");
    }

    @Test
    void unknownOptionsAndMissingValuesAreErrors() {
        assertThatThrownBy(() -> parse(Map.of(), "--prot", "1")).hasMessage("unknown option --prot (see --help)");
        assertThatThrownBy(() -> parse(Map.of(), "--port")).hasMessage("--port needs a value");
        assertThatThrownBy(() -> parse(Map.of(), "serve")).hasMessage("unexpected argument \"serve\" (see --help)");
    }

    @Test
    void tlsNeedsCertificateAndKeyTogether() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        assertThatThrownBy(() -> parse(Map.of(), "--tls-cert", cert.toString()))
                .hasMessageContaining("needs --tls-key too");
    }

    @Test
    void theAdminApiHasItsOwnLoopbackListenerOnlyWhenAPortIsGiven() {
        ServerConfig d = ServerConfig.defaults();
        assertThat(d.adminListener().port()).isEmpty();
        assertThat(d.adminListener().host()).isEqualTo("127.0.0.1");
        assertThat(d.portFile()).isEmpty();
        ServerConfig c = parse(Map.of("WORDGAME_ADMIN_PORT", "9901", "WORDGAME_PORT_FILE", dir.resolve("p.json").toString()));
        assertThat(c.adminListener()).isEqualTo(new ServerConfig.AdminListener(java.util.Optional.of(9901), "127.0.0.1"));
        assertThat(c.portFile()).contains(dir.resolve("p.json"));
        assertThat(c.toString()).contains("admin=127.0.0.1:9901", "portFile=");
        assertThat(parse(Map.of(), "--admin-port", "0", "--admin-host", "::1").adminListener().host()).isEqualTo("::1");
        assertThat(parse(Map.of(), "--admin-port", "0", "--port", "0").adminListener().port()).contains(0);
    }

    @Test
    void badAdminListenerAndPortFileValuesNameTheOption() {
        assertThatThrownBy(() -> parse(Map.of(), "--admin-port", "admin"))
                .hasMessage("--admin-port: \"admin\" is not a whole number");
        assertThatThrownBy(() -> parse(Map.of(), "--admin-port", "1337"))
                .hasMessage("--admin-port: \"1337\" is --port too; use another port");
        assertThatThrownBy(() -> parse(Map.of("WORDGAME_ADMIN_HOST", " "), "--admin-port", "9901"))
                .hasMessage("WORDGAME_ADMIN_HOST: \"\" is empty");
        Path missing = dir.resolve("no-such-dir").resolve("ports.json");
        assertThatThrownBy(() -> parse(Map.of(), "--port-file", missing.toString()))
                .hasMessage("--port-file: \"" + missing + "\" is not in an existing directory");
        assertThatThrownBy(() -> parse(Map.of(), "--port-file", dir.toString()))
                .hasMessage("--port-file: \"" + dir + "\" is a directory");
    }

    @Test
    void secretsNeverAppearInTheDescription() {
        ServerConfig c = parse(Map.of("WORDGAME_ADMIN_TOKEN", "s3cret", "WORDGAME_TLS_KEYSTORE_PASSWORD", "pw123"));
        assertThat(c.toString()).doesNotContain("s3cret").doesNotContain("pw123").contains("adminToken=set");
    }

    @Test
    void helpListsEveryOptionWithItsEnvironmentVariable() {
        String help = ServerConfig.flags().help(ServerConfig.DESCRIPTION);
        assertThat(help).contains("--port <value>", "WORDGAME_PORT", "default 1337", "--words", "--tls-keystore",
                "WORDGAME_ADMIN_TOKEN", "--admin-port", "WORDGAME_ADMIN_PORT", "--admin-host", "default 127.0.0.1",
                "--port-file", "WORDGAME_PORT_FILE");
    }

    @Test
    void durationsParseAndFormat() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(Durations.parse("1.5s")).isNull();
        assertThat(Durations.parse("s")).isNull();
        assertThat(Durations.parse("")).isNull();
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    }
}
