package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/find-java} script, run with a PATH of its own and Java homes the test makes (a {@code java}
 * that reports a version, with or without {@code javac}): what the launcher accepts and what it tells a user who has
 * nothing suitable.
 */
class FindJavaTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Path script() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("bin/find-java"))) p = p.getParent();
        assertThat(p).as("bin/find-java above the working directory").isNotNull();
        return p.resolve("bin/find-java");
    }

    /** A Java home under {@code jvm/<name>} whose java reports {@code version}; with javac when {@code jdk}. */
    Path home(String name, int version, boolean jdk) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jvm").resolve(name).resolve("bin"));
        write(bin.resolve("java"), "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n");
        if (jdk) write(bin.resolve("javac"), "#!/bin/sh\nexit 0\n");
        return bin.getParent();
    }

    static void write(Path f, String text) throws IOException {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Result run(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", script().toString());
        for (String a : args) pb.command().add(a);
        Map<String, String> env = pb.environment();
        env.clear();
        // a java 17 first on PATH, whatever the machine's own is
        Path onPath = Files.createDirectories(dir.resolve("path"));
        write(onPath.resolve("java"), "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        env.put("PATH", onPath + ":/usr/bin:/bin");
        env.put("RUNWAY_JVM_DIR", dir.resolve("jvm").toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(
                p.exitValue(),
                new String(p.getInputStream().readAllBytes()).strip(),
                new String(p.getErrorStream().readAllBytes()));
    }

    @Test
    void aJre21IsEnoughToRunButNotToBuild() throws Exception {
        home("java-17", 17, true);
        Path jre = home("jre-21", 21, false);
        Result run = run();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(jre.toString());
        Result build = run("--jdk");
        assertThat(build.code()).isEqualTo(1);
        assertThat(build.err())
                .contains("needs a JDK 21 or newer")
                .contains("Java 21, a JRE (no javac)")
                .contains("Java 17");
    }

    @Test
    void theNewestSuitableJdkIsChosen() throws Exception {
        home("jdk-21", 21, true);
        Path newest = home("jdk-25", 25, true);
        assertThat(run("--jdk").out()).isEqualTo(newest.toString());
    }

    @Test
    void withNothingSuitableItSaysWhatWasFoundAndWhatToInstall() throws Exception {
        home("java-17", 17, true);
        Result r = run();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err())
                .contains("needs a JDK or JRE 21 or newer")
                .contains("Java 17")
                .contains("JAVA_HOME");
        boolean debian12 = Files.readString(Path.of("/etc/os-release")).contains("VERSION_ID=\"12\"");
        assertThat(r.err())
                .as("Debian 12 has no Java 21 package: the message must not send the user to one")
                .contains(debian12 ? "temurin-21-jdk" : "openjdk-21-jdk");
        if (debian12) assertThat(r.err()).doesNotContain("apt install openjdk-21-jdk");
    }

    /** The release file's JAVA_VERSION is read without starting the JVM (it runs before every command). */
    @Test
    void theReleaseFileIsReadWithoutStartingJava() throws Exception {
        Path marker = dir.resolve("started");
        Path jdk = Files.createDirectories(dir.resolve("jvm/jdk-23/bin")).getParent();
        write(jdk.resolve("bin/java"), "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"23.0.2\"\n");
        Path old = Files.createDirectories(dir.resolve("jvm/jdk-8/bin")).getParent();
        write(old.resolve("bin/java"), "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
        Files.writeString(old.resolve("release"), "JAVA_VERSION=\"1.8.0_402\"\n");
        Result r = run();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(jdk.toString());
        assertThat(marker).as("no java binary was started").doesNotExist();
        Files.delete(jdk.resolve("release"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"1.8.0_402\"\n");
        Result eight = run();
        assertThat(eight.code()).isEqualTo(1);
        assertThat(eight.err()).contains(jdk + ": Java 8");
    }
}
