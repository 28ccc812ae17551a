package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker/Dockerfile, read (no Docker engine on the test machines to build it): a multi-stage build that runs
 * the project's Maven build and copies the very jar path the tests run, a small JRE runtime, a non-root user, a
 * health check, and java as PID 1.
 */
class DockerfileTest {
    private static String dockerfile() throws Exception {
        return Files.readString(Repo.deploy("docker/Dockerfile"));
    }

    @Test
    void buildsWithTheProjectsMavenBuildAndRunsOnAJre() throws Exception {
        String d = dockerfile();
        List<String> from = Pattern.compile("(?m)^FROM (\\S+)").matcher(d).results().map(m -> m.group(1)).toList();
        assertThat(from).containsExactly("maven:3.9-eclipse-temurin-17", "eclipse-temurin:17-jre");
        assertThat(d).containsPattern("(?m)^FROM maven:3.9-eclipse-temurin-17 AS build$")
                .containsPattern("\\./mvnw -B -ntp -pl wordgame-server,proxy,chaos,prober -am package -DskipTests");
    }

    @Test
    void copiesTheJarTheTestsRunForEachModuleItBuilds() throws Exception {
        String d = dockerfile();
        assertThat(d).contains("COPY --from=build --chown=root:root /src/${MODULE}/target/${MODULE}.jar /app/app.jar");
        Matcher m = Pattern.compile("-pl (\\S+) -am").matcher(d);
        assertThat(m.find()).isTrue();
        for (String module : m.group(1).split(",")) {
            // the same <module>/target/<module>.jar the deploy tests start (Repo.jar)
            assertThat(Repo.jar(module)).as(module).isRegularFile();
        }
    }

    @Test
    void runsAsANonRootUserWithAHealthCheckAndJavaAsPidOne() throws Exception {
        String d = dockerfile();
        Matcher user = Pattern.compile("(?m)^USER (\\d+)(:\\d+)?$").matcher(d);
        assertThat(user.find()).as("a numeric USER").isTrue();
        assertThat(Integer.parseInt(user.group(1))).isPositive();
        assertThat(d).containsPattern("(?m)^HEALTHCHECK .*\\\\$\\n\\s+CMD curl -fsS .*\\$FAULTLINE_HEALTH_URL")
                .contains("exec java $JAVA_OPTS -jar /app/app.jar")
                .containsPattern("(?m)^ARG MODULE$").containsPattern("(?m)^ARG HEALTH_URL$");
    }
}
