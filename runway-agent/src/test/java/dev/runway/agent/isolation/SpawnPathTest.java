package dev.runway.agent.isolation;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which path steps take, seen from outside a JVM of their own ({@link SpawnProbe}): how many processes and program
 * images one step costs (counted by strace), and the fallback when the JVM denies native access.
 */
class SpawnPathTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run java(List<String> jvmOptions, List<String> args, List<String> prefix) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SpawnProbe.class.getName()));
        cmd.addAll(args);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void withNativeAccessStepsSpawnNativelyAndTheJvmDoesNotWarn() throws Exception {
        Run r = java(List.of("--enable-native-access=ALL-UNNAMED"), List.of("report"), List.of());
        assertThat(r.out()).startsWith("native=true");
        assertThat(r.err()).doesNotContain("restricted method");
    }

    @Test
    void withoutTheFlagTheJvmWarnsOnce() throws Exception {
        Run r = java(List.of(), List.of("report"), List.of());
        assertThat(r.out()).startsWith("native=true");
        assertThat(r.err()).contains("WARNING: A restricted method in java.lang.foreign.Linker has been called");
    }

    @Test
    void aJvmThatDeniesNativeAccessFallsBackToProcessBuilderAndSaysWhy() throws Exception {
        Run r = java(List.of("--illegal-native-access=deny"), List.of("report"), List.of());
        assertThat(r.out()).startsWith("native=false").contains("IllegalCallerException");
        assertThat(r.err()).contains("steps start through ProcessBuilder and setsid");
        Run step = java(List.of("--illegal-native-access=deny"), List.of("step", "native", "none"), List.of());
        assertThat(step.out()).as(step.err()).contains("exit=0");
    }

    /** The programs exec'd and the processes created, by the probe JVM and everything it started. */
    record Trace(List<String> images, int processes) {}

    Trace trace(String path, String cgroup) throws Exception {
        needs(Files.isExecutable(Path.of("/usr/bin/strace")), "strace, to count a step's processes");
        Path log = dir.resolve("trace");
        Run r = java(
                List.of("--enable-native-access=ALL-UNNAMED"),
                List.of("step", path, cgroup),
                List.of(
                        "/usr/bin/strace",
                        "-f",
                        "-qq",
                        "--seccomp-bpf",
                        "-e",
                        "trace=execve,clone,clone3,fork,vfork",
                        "-o",
                        log.toString()));
        assertThat(r.out()).as(r.err()).contains("exit=0");
        List<String> images = new ArrayList<>();
        int processes = 0;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            int e = line.indexOf("execve(\"");
            if (e >= 0 && !line.contains("= -1 ")) images.add(line.substring(e + 8, line.indexOf('"', e + 8)));
            if (line.matches("\\d+ +(clone3?|v?fork)\\(.*") && !line.contains("CLONE_THREAD")) processes++;
        }
        images.removeFirst(); // the probe's java
        return new Trace(images, processes);
    }

    @Test
    void aNativeStepIsOneProcessAndItsOwnProgram() throws Exception {
        Trace t = trace("native", "none");
        assertThat(t.images()).containsExactly("/bin/bash");
        assertThat(t.processes())
                .as("processes created: the step, and nothing to end or kill it")
                .isEqualTo(1);
    }

    @Test
    void aNativeStepInACgroupIsOneProcessThatEntersItThenExecsTheStep() throws Exception {
        needs(JobUser.agentIsRoot(), "root, to create cgroups");
        Trace t = trace("native", "cgroup");
        assertThat(t.images()).containsExactly(Cgroup.ENTER_SHELL, "/bin/bash");
        assertThat(t.processes()).isEqualTo(1);
    }

    @Test
    void theFallbackStartsTheStepThroughJspawnhelperAndSetsid() throws IOException, Exception {
        Trace t = trace("process", "none");
        assertThat(t.images()).contains(HostPrograms.SETSID, "/bin/bash");
        assertThat(t.images().stream().filter(i -> i.endsWith("/jspawnhelper"))).isNotEmpty();
        assertThat(t.processes()).isGreaterThanOrEqualTo(1);
    }
}
