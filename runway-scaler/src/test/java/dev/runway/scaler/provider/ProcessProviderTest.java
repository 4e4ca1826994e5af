package dev.runway.scaler.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: started, found again by a second provider (a restarted scaler), stopped, standby handed over. */
class ProcessProviderTest {
    @TempDir
    Path state;

    ProcessProvider provider;

    @AfterEach
    void stopEverything() throws IOException {
        if (provider == null) return;
        for (Instance i : provider.list()) provider.remove(i.name());
        provider.close();
    }

    static Launch launch(String name, List<String> command, Map<String, String> env) {
        return new Launch(name, "p", "stable", null, command, env, Labels.of("test-scaler", "p", name, "stable"));
    }

    static long pidOf(Path instanceDir) throws IOException {
        String json = Files.readString(instanceDir.resolve("instance.json"));
        return Long.parseLong(json.replaceAll("(?s).*\"pid\"\\s*:\\s*(\\d+).*", "$1"));
    }

    @Test
    void startsListsAdoptsAndRemovesAProcess() throws IOException {
        provider = new ProcessProvider(state, "test-scaler", "p");
        provider.start(launch(
                "p-1",
                List.of("sh", "-c", "echo token=$RUNWAY_REGISTRATION_TOKEN; exec sleep 600"),
                Map.of("RUNWAY_REGISTRATION_TOKEN", "rwr_x")));
        Path dir = state.resolve("p").resolve("p-1");
        long pid = pidOf(dir);
        assertThat(ProcessHandle.of(pid)).isPresent();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(dir.resolve("agent.log")).contains("token=rwr_x"));
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).doesNotContain("rwr_x");

        List<Instance> seen = new ProcessProvider(state, "test-scaler", "p").list();
        assertThat(seen).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo("p-1");
            assertThat(i.running()).isTrue();
            assertThat(i.variant()).isEqualTo("stable");
        });
        assertThat(new ProcessProvider(state, "other-scaler", "p").list()).isEmpty();

        provider.remove("p-1");
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(dir).doesNotExist();
        provider.remove("p-1"); // gone: no error
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void anExitedProcessListsAsNotRunning() throws IOException {
        provider = new ProcessProvider(state, "test-scaler", "p");
        provider.start(launch("p-2", List.of("sh", "-c", "exit 3"), Map.of()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !provider.list().getFirst().running());
        assertThat(provider.list().getFirst().detail()).contains("exited");
    }

    @Test
    void aLaunchOfTheAgentIsHandedToTheStandbyOverItsInputAndANewStandbyStarts() throws Exception {
        // a stand-in for `java … Main agent`: as `… agent-standby` it reads its hand-off line and keeps it
        String script = "if [ \"$1\" = agent-standby ]; then read -r line; printf '%s' \"$line\" > handoff.json;"
                + " exec sleep 600; fi; echo cold start; exec sleep 600";
        List<String> agent = List.of("sh", "-c", script, "runway", "agent");
        provider = new ProcessProvider(state, "test-scaler", "p", agent);
        await().atMost(Duration.ofSeconds(10)).until(() -> standbys().size() == 1);
        Path standbyDir = standbys().getFirst();

        List<String> command = new java.util.ArrayList<>(agent);
        command.addAll(List.of("--url", "http://cp", "--name", "p-3"));
        provider.start(launch("p-3", command, Map.of("RUNWAY_REGISTRATION_TOKEN", "rwr_secret")));

        Path dir = state.resolve("p").resolve("p-3");
        assertThat(standbyDir).doesNotExist(); // renamed: the standby became the instance
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("handoff.json")));
        String handoff = Files.readString(dir.resolve("handoff.json"));
        assertThat(handoff)
                .contains("\"args\":[\"agent\",\"--url\",\"http://cp\",\"--name\",\"p-3\"]")
                .contains("\"RUNWAY_REGISTRATION_TOKEN\":\"rwr_secret\"")
                .contains("\"RUNWAY_DATA_DIR\":\"" + dir.resolve("data") + "\"");
        long pid = pidOf(dir);
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).doesNotContain("rwr_secret");
        assertThat(provider.list())
                .singleElement()
                .satisfies(i -> assertThat(i.running()).isTrue());
        await("the next standby")
                .atMost(Duration.ofSeconds(10))
                .until(() -> standbys().size() == 1);

        // a launch with other environment variables cannot be served by a standby (its environment is fixed)
        provider.start(launch("p-4", command, Map.of("HTTPS_PROXY", "http://proxy")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(state.resolve("p/p-4/agent.log"))
                        && Files.readString(state.resolve("p/p-4/agent.log")).contains("cold start"));
        assertThat(standbys()).hasSize(1);

        provider.close();
        assertThat(standbys()).isEmpty();
    }

    List<Path> standbys() throws IOException {
        Path dir = state.resolve("p");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".standby-"))
                    .toList();
        }
    }
}
