package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start.sh, run from a copy in a scratch directory with a PATH of its own: no Docker engine exists here, so the
 * {@code docker} it finds is either missing or a stand-in that records its calls, and {@code curl} answers as told.
 */
class StartScriptTest {
    private static final List<String> TOOLS = List.of("dirname", "sed", "od", "tr", "date", "sleep", "cat");

    @TempDir
    Path dir;
    private Path bin;
    private Path calls;

    @BeforeEach
    void copy() throws Exception {
        Files.copy(Repo.root().resolve("start.sh"), dir.resolve("start.sh"));
        bin = Files.createDirectory(dir.resolve("bin"));
        calls = dir.resolve("calls.txt");
        for (String tool : TOOLS) {
            Path real = Files.isExecutable(Path.of("/usr/bin", tool)) ? Path.of("/usr/bin", tool) : Path.of("/bin", tool);
            fake(tool, "exec " + real + " \"$@\"");
        }
    }

    private void fake(String name, String body) throws Exception {
        Path f = Files.writeString(bin.resolve(name), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run start(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/bin/sh", dir.resolve("start.sh").toString()));
        command.addAll(List.of(args));
        return Run.of(dir, Map.of("PATH", bin.toString(), "FAULTLINE_WAIT", "3", "CALLS", calls.toString()), command);
    }

    @Test
    void isPosixShell() throws Exception {
        Run r = Run.of(dir, Map.of(), List.of("/bin/sh", "-n", dir.resolve("start.sh").toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        if (Files.isExecutable(Path.of("/bin/dash"))) {
            Run dash = Run.of(dir, Map.of(), List.of("/bin/dash", "-n", dir.resolve("start.sh").toString()));
            assertThat(dash.exit()).as(dash.output()).isZero();
        }
    }

    @Test
    void helpAndBadCommands() throws Exception {
        Run help = start("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.output()).contains("./start.sh down", "FAULTLINE_WAIT");
        Run bad = start("sideways");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.output()).isEqualTo("start.sh: unknown command \"sideways\" (see --help)\n");
    }

    @Test
    void withoutDockerItSaysSoInOneLine() throws Exception {
        Run r = start();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).startsWith("start.sh: docker is not installed").hasLineCount(1);
    }

    @Test
    void withoutAnEngineItSaysSo() throws Exception {
        fake("docker", "exit 1");
        Run r = start();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).startsWith("start.sh: cannot reach the Docker engine").hasLineCount(1);
    }

    @Test
    void upBuildsStartsWaitsAndPrintsTheUrlsWithSecretsKeptOutOfSight() throws Exception {
        fake("docker", "echo \"docker $*\" >> \"$CALLS\"");
        fake("curl", "exit 0");
        Run r = start();
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readAllLines(calls)).contains("docker info", "docker compose up -d --build");
        assertThat(r.output()).contains("no JDK here", "Grafana        http://localhost:3000",
                "Prometheus     http://localhost:9090", "Alertmanager   http://localhost:9093");
        String env = Files.readString(dir.resolve(".env"));
        assertThat(env).containsPattern("(?m)^FAULTLINE_ADMIN_TOKEN=[0-9a-f]{32}$")
                .containsPattern("(?m)^GRAFANA_ADMIN_PASSWORD=[0-9a-f]{24}$");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".env")))).isEqualTo("rw-------");
        for (String secret : env.lines().map(l -> l.substring(l.indexOf('=') + 1)).toList()) {
            assertThat(r.output()).doesNotContain(secret);
        }
    }

    @Test
    void upGivesUpAtTheDeadlineNamingWhatIsNotHealthy() throws Exception {
        fake("docker", "echo \"docker $*\" >> \"$CALLS\"");
        fake("curl", "case \"$*\" in *:3000/*) exit 7;; *) exit 0;; esac");
        Run r = start();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).contains("start.sh: not healthy within 3 s: grafana");
        assertThat(Files.readAllLines(calls)).contains("docker compose ps");
    }

    @Test
    void downStopsTheStack() throws Exception {
        fake("docker", "echo \"docker $*\" >> \"$CALLS\"");
        Run r = start("down", "-v");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readAllLines(calls)).contains("docker compose down -v");
    }
}
