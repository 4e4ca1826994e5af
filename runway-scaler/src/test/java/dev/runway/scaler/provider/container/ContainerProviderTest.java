package dev.runway.scaler.provider.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container provider against a real engine (Podman's Docker API under .ci/run). */
class ContainerProviderTest {
    private static TestEngine engine;
    /** Every scaler id a test uses starts with this, so cleanup finds all of this run's containers. */
    private static final String RUN =
            "test-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);

    private final List<ContainerProvider> providers = new ArrayList<>();
    private final List<String> foreign = new ArrayList<>();

    @BeforeAll
    static void engine() throws Exception {
        engine = TestEngine.require();
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) engine.close();
    }

    /** Removes every container this run created, whatever the test's outcome. */
    @AfterEach
    void cleanUp() {
        for (ContainerProvider p : providers) p.close();
        if (engine == null) return;
        for (Container c : engine.client.listContainersCmd().withShowAll(true).exec()) {
            String scaler = c.getLabels() == null ? null : c.getLabels().get(Labels.SCALER);
            boolean ours = scaler != null && scaler.startsWith(RUN);
            boolean foreignOne = c.getNames() != null
                    && List.of(c.getNames()).stream().anyMatch(n -> foreign.contains(n.replaceFirst("^/", "")));
            if (ours || foreignOne)
                engine.client.removeContainerCmd(c.getId()).withForce(true).exec();
        }
    }

    private ContainerSettings settings(Map<String, Object> section) throws Exception {
        var node = dev.runway.protocol.Json.lenient().valueToTree(section);
        return ContainerSettings.read("p", (com.fasterxml.jackson.databind.JsonNode) node, Map.of());
    }

    private ContainerProvider provider(String scalerId, String pool, Map<String, Object> section) throws Exception {
        var s = new java.util.LinkedHashMap<String, Object>(section);
        s.putIfAbsent("engine", engine.host);
        ContainerProvider p = new ContainerProvider(settings(s), RUN + scalerId, pool);
        providers.add(p);
        return p;
    }

    private ContainerProvider provider(String scalerId, String pool) throws Exception {
        return provider(scalerId, pool, Map.of());
    }

    private static String name(String pool) {
        return pool + "-" + RUN + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    }

    private static Launch launch(ContainerProvider p, String scalerId, String pool, List<String> command) {
        String name = name(pool);
        return new Launch(
                name,
                pool,
                "stable",
                TestEngine.IMAGE,
                command,
                Map.of("RUNWAY_REGISTRATION_TOKEN", "token-1", "GREETING", "hello world"),
                Labels.of(RUN + scalerId, pool, name, "stable"));
    }

    /** A runner stand-in that ends on SIGTERM, as the agent does (a bare sleep as pid 1 would ignore it). */
    private static final List<String> SLEEP = List.of("sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait");

    private static InspectContainerResponse inspect(String name) {
        return engine.client.inspectContainerCmd(name).exec();
    }

    /** The engine's own answer, not the provider's: which containers of that name exist at all. */
    private static List<Container> containersNamed(String name) {
        return engine.client.listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec().stream()
                .filter(c -> List.of(c.getNames()).contains("/" + name))
                .toList();
    }

    @Test
    void startedContainerCarriesLabelsEnvCommandLimitsAndNetwork() throws Exception {
        ContainerProvider p =
                provider("a", "p1", Map.of("cpus", 0.5, "memory", "64m", "pids-limit", 100, "user", "65534"));
        Launch l = launch(p, "a", "p1", SLEEP);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        Instance started = p.start(l);

        assertThat(started.name()).isEqualTo(l.name());
        assertThat(started.running()).isTrue();
        InspectContainerResponse c = inspect(l.name());
        assertThat(c.getConfig().getLabels())
                .containsEntry(Labels.SCALER, RUN + "a")
                .containsEntry(Labels.POOL, "p1")
                .containsEntry(Labels.INSTANCE, l.name())
                .containsEntry(Labels.VARIANT, "stable");
        assertThat(c.getConfig().getEnv()).contains("RUNWAY_REGISTRATION_TOKEN=token-1", "GREETING=hello world");
        // the command line replaces the image's entrypoint, as a pod's command does
        assertThat(c.getConfig().getEntrypoint()).containsExactlyElementsOf(SLEEP);
        assertThat(c.getConfig().getCmd()).isNullOrEmpty();
        assertThat(c.getConfig().getUser()).isEqualTo("65534");
        assertThat(c.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(c.getHostConfig().getMemory()).isEqualTo(64L << 20);
        assertThat(c.getHostConfig().getPidsLimit()).isEqualTo(100L);
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("host");
        assertThat(c.getHostConfig().getAutoRemove()).isNotEqualTo(Boolean.TRUE);
        assertThat(c.getState().getRunning()).isTrue();

        List<Instance> listed = p.list();
        assertThat(listed).hasSize(1);
        Instance i = listed.getFirst();
        assertThat(i.name()).isEqualTo(l.name());
        assertThat(i.pool()).isEqualTo("p1");
        assertThat(i.variant()).isEqualTo("stable");
        assertThat(i.running()).isTrue();
        assertThat(i.detail()).isEqualTo("running");
        assertThat(i.createdAt()).isBetween(before, Instant.now());
    }

    @Test
    void withoutACommandTheImagesOwnRuns() throws Exception {
        ContainerProvider p = provider("a", "p1");
        Launch l = launch(p, "a", "p1", null);
        p.start(l);
        assertThat(inspect(l.name()).getConfig().getCmd()).containsExactly("sh");
    }

    @Test
    void volumesAreBoundReadOnlyWhenSaid(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hello"), "hi");
        ContainerProvider p = provider("a", "p1", Map.of("volumes", List.of(dir + ":/mnt/in:ro")));
        // exits 0 only when the file is there and the mount refuses a write
        Launch l = launch(p, "a", "p1", List.of("sh", "-c", "test \"$(cat /mnt/in/hello)\" = hi && ! touch /mnt/in/x"));
        p.start(l);
        await().atMost(Duration.ofSeconds(30)).until(() -> !p.list().getFirst().running());
        assertThat(p.list().getFirst().detail()).contains("exit code 0");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void aNamedNetworkIsUsed() throws Exception {
        String net = RUN + "-net";
        String id = engine.client
                .createNetworkCmd()
                .withName(net)
                .withDriver("bridge")
                .exec()
                .getId();
        try {
            ContainerProvider p = provider("a", "p1", Map.of("network", net));
            Launch l = launch(p, "a", "p1", SLEEP);
            p.start(l);
            InspectContainerResponse c = inspect(l.name());
            // (Podman reports the mode of a named network as "bridge"; the networks say which one)
            assertThat(c.getNetworkSettings().getNetworks()).containsKey(net);
        } finally {
            cleanUp();
            engine.client.removeNetworkCmd(id).exec();
        }
    }

    @Test
    void listFindsOnlyThisScalersPool() throws Exception {
        ContainerProvider mine = provider("a", "p1");
        ContainerProvider otherPool = provider("a", "p2");
        ContainerProvider otherScaler = provider("b", "p1");
        Launch a = launch(mine, "a", "p1", SLEEP);
        Launch b = launch(otherPool, "a", "p2", SLEEP);
        Launch c = launch(otherScaler, "b", "p1", SLEEP);
        mine.start(a);
        otherPool.start(b);
        otherScaler.start(c);

        assertThat(mine.list()).extracting(Instance::name).containsExactly(a.name());
        assertThat(otherPool.list()).extracting(Instance::name).containsExactly(b.name());
        assertThat(otherScaler.list()).extracting(Instance::name).containsExactly(c.name());
    }

    @Test
    void aRestartedScalerListsTheContainersOfTheOneBefore() throws Exception {
        ContainerProvider first = provider("a", "p1");
        Launch l = launch(first, "a", "p1", SLEEP);
        first.start(l);
        first.close();

        ContainerProvider second = provider("a", "p1");
        assertThat(second.list()).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo(l.name());
            assertThat(i.variant()).isEqualTo("stable");
            assertThat(i.running()).isTrue();
        });
        second.remove(l.name());
        assertThat(containersNamed(l.name())).isEmpty();
    }

    @Test
    void anExitedRunnerListsAsNotRunningWithItsExitCode() throws Exception {
        ContainerProvider p = provider("a", "p1");
        Launch l = launch(p, "a", "p1", List.of("sh", "-c", "exit 3"));
        p.start(l);

        await().atMost(Duration.ofSeconds(30)).until(() -> !p.list().getFirst().running());
        Instance i = p.list().getFirst();
        assertThat(i.name()).isEqualTo(l.name());
        assertThat(i.detail()).startsWith("exited").contains("exit code 3");
        // not removed by the engine: the scaler reaps it
        assertThat(containersNamed(l.name())).hasSize(1);
    }

    @Test
    void removeStopsGracefullyAndRemovesAndTwiceIsFine(@TempDir Path dir) throws Exception {
        ContainerProvider p = provider("a", "p1", Map.of("volumes", List.of(dir + ":/mnt/out")));
        Launch l = launch(
                p,
                "a",
                "p1",
                List.of(
                        "sh",
                        "-c",
                        "trap 'echo bye > /mnt/out/term; exit 0' TERM; touch /mnt/out/ready; sleep 600 & wait"));
        p.start(l);
        assertThat(containersNamed(l.name())).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("ready"))); // its trap is set

        p.remove(l.name());

        assertThat(dir.resolve("term"))
                .as("the runner had SIGTERM before it was removed")
                .hasContent("bye");
        assertThat(containersNamed(l.name())).isEmpty();
        assertThat(p.list()).isEmpty();
        assertThatCode(() -> p.remove(l.name())).doesNotThrowAnyException();
        assertThatCode(() -> p.remove("never-was")).doesNotThrowAnyException();
    }

    @Test
    void removeLeavesAContainerOfThatNameWithoutTheScalersLabelsAlone() throws Exception {
        ContainerProvider p = provider("a", "p1");
        String name = name("p1");
        foreign.add(name);
        engine.client
                .createContainerCmd(TestEngine.IMAGE)
                .withName(name)
                .withCmd(SLEEP)
                .exec();

        p.remove(name);

        assertThat(containersNamed(name)).hasSize(1);
    }

    @Test
    void aMissingImageIsNamed() throws Exception {
        ContainerProvider p = provider("a", "p1");
        String image = TestEngine.REPOSITORY + ":missing-" + RUN;
        Launch l = launch(p, "a", "p1", SLEEP);
        Launch missing = new Launch(l.name(), l.pool(), l.variant(), image, SLEEP, l.env(), l.labels());

        assertThatThrownBy(() -> p.start(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("image '" + image + "' is not on the container engine at " + engine.host)
                .hasMessageContaining("could not be pulled");
        assertThat(containersNamed(l.name())).isEmpty();

        ContainerProvider never = provider("a", "p1", Map.of("pull", "never"));
        assertThatThrownBy(() -> never.start(missing))
                .hasMessageContaining("image '" + image + "' is not on the container engine")
                .hasMessageContaining("pull is never");
    }

    @Test
    void aLaunchWithoutAnImageIsRefused() throws Exception {
        ContainerProvider p = provider("a", "p1");
        Launch l = launch(p, "a", "p1", SLEEP);
        Launch noImage = new Launch(l.name(), l.pool(), l.variant(), null, SLEEP, l.env(), l.labels());
        assertThatThrownBy(() -> p.start(noImage))
                .isInstanceOf(IOException.class)
                .hasMessage("pool p1: the container provider needs an image to run: set the pool's agent.image (an"
                        + " image with the runway agent in it)");
    }

    @Test
    void aContainerThatCannotStartIsNotLeftBehind() throws Exception {
        ContainerProvider p = provider("a", "p1", Map.of("network", RUN + "-no-such-network"));
        Launch l = launch(p, "a", "p1", SLEEP);
        assertThatThrownBy(() -> p.start(l))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot start container " + l.name() + " from image '" + TestEngine.IMAGE + "'");
        assertThat(containersNamed(l.name())).isEmpty();
        assertThat(p.list()).isEmpty();
    }
}
