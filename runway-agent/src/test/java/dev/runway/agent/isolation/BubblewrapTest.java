package dev.runway.agent.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bwrap command itself (the behaviour under the real bwrap is SandboxExecutorTest's). */
class BubblewrapTest {
    @TempDir
    Path data;

    List<String> wrap(Bubblewrap b) throws Exception {
        Path work = Files.createDirectories(data.resolve("work"));
        Path ws = Files.createDirectories(work.resolve("job-1"));
        Path files = Files.createDirectories(work.resolve(".job-1-files"));
        Path script = Files.writeString(files.resolve("step.sh"), "true");
        return b.wrap(List.of("bash", script.toString()), ws, files, script, ws);
    }

    static boolean has(List<String> cmd, String... seq) {
        return Collections.indexOfSubList(cmd, List.of(seq)) >= 0;
    }

    @Test
    void theHostIsAnAllowListNeverTheWholeRoot() throws Exception {
        Path tools = Files.createDirectories(data.resolve("tool-cache"));
        List<String> cmd = wrap(new Bubblewrap(List.of(data), List.of(tools), true, null, new JobUser(4242, 4242)));
        assertThat(has(cmd, "--ro-bind", "/", "/")).isFalse();
        assertThat(has(cmd, "--ro-bind", "/usr", "/usr")).isTrue();
        assertThat(has(cmd, "--ro-bind", "/etc", "/etc")).isTrue();
        assertThat(has(cmd, "--ro-bind", tools.toString(), tools.toString())).isTrue();
        assertThat(cmd).doesNotContain("/run", "/var/run", "/home", "/root", "/var/lib");
        assertThat(has(cmd, "--perms", "1777", "--tmpfs", "/tmp")).isTrue();
        assertThat(has(cmd, "--perms", "0755", "--dir", data.toString()))
                .as("parents the job can pass")
                .isTrue();
        assertThat(has(cmd, "--seccomp", "9")).isEqualTo(SeccompFilter.forThisMachine() != null);
        assertThat(cmd).doesNotContain("--unshare-net");
        int drop = cmd.indexOf(HostPrograms.SETPRIV);
        assertThat(drop).isGreaterThan(cmd.indexOf("--"));
        assertThat(cmd.subList(drop, cmd.size())).contains("--reuid=4242", "--regid=4242", "--clear-groups");
    }

    @Test
    void aHiddenDirectoryInsideAReadableOneIsCoveredAndAReadableOneInsideItBoundAgain() throws Exception {
        Path opt = Files.createDirectories(data.resolve("opt"));
        Path secret = Files.createDirectories(opt.resolve("runway"));
        Path actions = Files.createDirectories(secret.resolve("actions"));
        List<String> cmd = wrap(new Bubblewrap(List.of(secret), List.of(opt, actions), false, null, null));
        int optBind = Collections.indexOfSubList(cmd, List.of("--ro-bind", opt.toString(), opt.toString()));
        int cover = Collections.indexOfSubList(cmd, List.of("--tmpfs", secret.toString()));
        int again = Collections.indexOfSubList(cmd, List.of("--ro-bind", actions.toString(), actions.toString()));
        assertThat(optBind).isNotNegative();
        assertThat(cover).isGreaterThan(optBind);
        assertThat(again).isGreaterThan(cover);
        assertThat(cmd).contains("--unshare-net").doesNotContain("setpriv");
        assertThat(has(cmd, "--cap-drop", "ALL"))
                .as("the agent's uid, without capabilities")
                .isTrue();
    }

    @Test
    void onlyEngineAccessBindsTheEngineSocket() throws Exception {
        Path socket = Files.createFile(data.resolve("engine.sock"));
        assertThat(wrap(new Bubblewrap(List.of(), List.of(), true, null, null))).doesNotContain(socket.toString());
        List<String> cmd = wrap(new Bubblewrap(List.of(), List.of(), true, socket, null));
        assertThat(has(cmd, "--bind", socket.toString(), socket.toString())).isTrue();
        assertThat(has(cmd, "--setenv", "DOCKER_HOST", "unix://" + socket)).isTrue();
        assertThat(Sandbox.bubblewrap(List.of(), true, List.of(), SandboxOptions.DEFAULT, socket)
                        .wrap(List.of("true"), data, data, socket, data))
                .as("without --sandbox-engine-access")
                .doesNotContain("DOCKER_HOST");
    }
}
