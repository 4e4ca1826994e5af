package dev.runway.scaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.Json;
import dev.runway.protocol.StepSpec;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaler's count of a pool's instances against {@code max}, with the interleavings a real provider allows made to
 * happen on purpose: a real control plane, a provider stand-in that records instances in memory (it starts no
 * process), and a work executor the test drains by hand so a start can finish exactly while the provider is listed.
 */
class ScalerAccountingTest {
    @TempDir
    Path dir;

    RunwayServer server;
    ControlPlane api;
    final InMemoryProvider provider = new InMemoryProvider();
    final ManualExecutor work = new ManualExecutor();
    Scaler scaler;

    @BeforeEach
    void start() throws Exception {
        server = RunwayServer.start(
                ServerConfig.defaults(dir.resolve("control-plane")).withPort(0));
        api = new ControlPlane(server.url(), server.adminToken());
        ScalerConfig config = ScalerConfigFile.parse("scaler.yml", """
                scaler-id: test-scaler
                state-dir: state
                pools:
                  burst:
                    provider: process
                    labels: [burst]
                    max: 3
                    ephemeral: true
                """, dir);
        scaler = new Scaler(
                config, api, Map.of("burst", provider), server.url(), List.of("true"), InstantSource.system(), work);
    }

    @AfterEach
    void stop() {
        scaler.close();
        server.close();
    }

    @Test
    void anInstanceWhoseStartEndsWhileTheProviderIsListedStillCountsAgainstMax() throws Exception {
        for (int i = 0; i < 6; i++) submit("burst-" + i);

        Scaler.PoolPass first = only(scaler.reconcile());
        assertThat(first.decision().start()).as("first pass starts up to max").isEqualTo(3);

        // The next listing is taken before the three starts finish, and returns after they did.
        provider.duringNextList = work::runAll;
        Scaler.PoolPass second = only(scaler.reconcile());
        assertThat(provider.instances).as("instances started by the provider").hasSize(3);
        assertThat(second.status().starting())
                .as("instances started but not yet seen by a listing are starting")
                .isEqualTo(3);
        assertThat(second.decision().start())
                .as("nothing more to start: max is reached")
                .isZero();

        work.runAll();
        Scaler.PoolPass third = only(scaler.reconcile());
        work.runAll();
        assertThat(third.decision().start()).isZero();
        assertThat(provider.instances).as("never more than max at once").hasSize(3);
    }

    @Test
    void anInstanceStillStartingIsCountedInEveryPassUntilItIsListed() throws Exception {
        for (int i = 0; i < 5; i++) submit("slow-" + i);
        assertThat(only(scaler.reconcile()).decision().start()).isEqualTo(3);
        // the starts have not run at all: a second and a third pass must not add any
        assertThat(only(scaler.reconcile()).decision().start()).isZero();
        assertThat(only(scaler.reconcile()).decision().start()).isZero();
        work.runAll();
        assertThat(provider.instances).hasSize(3);
    }

    static Scaler.PoolPass only(List<Scaler.PoolPass> passes) {
        assertThat(passes).hasSize(1);
        return passes.getFirst();
    }

    void submit(String name) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.JOBS))
                .header("Authorization", "Bearer " + server.adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.strict()
                        .writeValueAsString(new JobSpec(
                                name, List.of("burst"), null, List.of(StepSpec.of("s", "true")), null, null))))
                .build();
        HttpResponse<String> res;
        try (HttpClient http = HttpClient.newHttpClient()) {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
        }
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    /** Records instances in memory; a test hook runs inside {@link #list()} after its snapshot was taken. */
    static final class InMemoryProvider implements Provider {
        final Map<String, Instance> instances = new ConcurrentHashMap<>();
        volatile Runnable duringNextList;

        @Override
        public Instance start(Launch launch) {
            Instance i = new Instance(launch.name(), launch.pool(), launch.variant(), Instant.now(), true, "in memory");
            instances.put(i.name(), i);
            return i;
        }

        @Override
        public List<Instance> list() {
            List<Instance> snapshot = new ArrayList<>(instances.values());
            Runnable hook = duringNextList;
            duringNextList = null;
            if (hook != null) hook.run();
            return snapshot;
        }

        @Override
        public void remove(String instanceName) {
            instances.remove(instanceName);
        }
    }

    /** Holds submitted tasks until the test runs them. */
    static final class ManualExecutor extends AbstractExecutorService {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        void runAll() {
            for (Runnable r; (r = tasks.poll()) != null; ) r.run();
        }

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
            List<Runnable> left = new ArrayList<>(tasks);
            tasks.clear();
            return left;
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
