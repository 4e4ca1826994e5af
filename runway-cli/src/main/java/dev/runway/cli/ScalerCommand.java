package dev.runway.cli;

import dev.runway.scaler.Scaler;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.provider.Provider;
import dev.runway.scaler.provider.Providers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "scaler",
        mixinStandardHelpOptions = true,
        description = "Run the fleet scaler: start runners for queued jobs per pool (ephemeral ones run one job each),"
                + " keep warm pools, stop idle runners, reap orphans. Pools are declared in a YAML file (see"
                + " docs/scaler.md). Needs an admin API token.")
final class ScalerCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    LogOptions logging;

    @Mixin
    ClientOptions client;

    @Option(names = "--pools", required = true, description = "The pools file (YAML, see docs/scaler.md).")
    Path poolsFile;

    @Option(
            names = "--agent-url",
            description = "The control plane's URL as runners reach it (default: the file's agent-url, else --url).")
    String agentUrl;

    @Option(names = "--check", description = "Only read and check the pools file, then exit.")
    boolean check;

    @Override
    public Integer call() throws IOException {
        ScalerConfig cfg;
        try {
            cfg = ScalerConfigFile.read(poolsFile);
        } catch (ConfigException e) {
            throw new CliException(e.getMessage());
        }
        Map<String, Provider> providers = new LinkedHashMap<>();
        List<String> agent = check ? null : thisLauncher(cfg.stateDir());
        try {
            for (PoolConfig p : cfg.pools()) providers.put(p.name(), Providers.create(cfg, p, agent));
        } catch (ConfigException e) {
            providers.values().forEach(Provider::close);
            throw new CliException(e.getMessage());
        }
        if (check) {
            System.out.println(poolsFile + ": " + cfg.pools().size() + " pool(s), OK");
            providers.values().forEach(Provider::close);
            return 0;
        }
        String url = agentUrl != null ? agentUrl : cfg.agentUrl() != null ? cfg.agentUrl() : client.url();
        ControlPlane api = new ControlPlane(client.url(), client.token());
        Scaler scaler = new Scaler(
                cfg, api, providers, url, agent, InstantSource.system(), Executors.newVirtualThreadPerTaskExecutor());
        Runtime.getRuntime().addShutdownHook(new Thread(scaler::close, "runway-scaler-shutdown"));
        System.out.println("scaler " + cfg.scalerId() + ": " + cfg.pools().size() + " pool(s) on " + client.url()
                + " (runners reach it at " + url + ")");
        scaler.run();
        return 0;
    }

    /**
     * This runway launcher's {@code agent} command: the same Java, class path and heap/JIT flags (for the process
     * provider), with a class-data-sharing archive of the agent's classes where the class path allows one.
     */
    /**
     * What an agent JVM gets unless the scaler's own flags say otherwise, as bin/runway gives {@code runway agent}:
     * the serial collector and a small initial heap (an idle agent needs some 20 MB of heap; one runs per job).
     */
    static List<String> leanAgent(List<String> flags) {
        List<String> add = new ArrayList<>();
        if (flags.stream().noneMatch(f -> f.matches("-XX:\\+Use\\w+GC"))) add.add("-XX:+UseSerialGC");
        if (flags.stream().noneMatch(f -> f.startsWith("-Xms"))) add.add("-Xms8m");
        return add;
    }

    /**
     * Whether a flag of the scaler's JVM is bin/runway's start-up archive of the scaler command (an AOT cache or CDS
     * archive, or its recording): an agent must not read, let alone write, that one; it gets its own below.
     */
    static boolean launcherArchive(String flag) {
        return flag.startsWith("-XX:AOT")
                || flag.startsWith("-XX:SharedArchiveFile")
                || flag.equals("-XX:+AutoCreateSharedArchive")
                || flag.startsWith("-XX:ArchiveClassesAtExit")
                || flag.equals("-XX:-DisplayVMOutput");
    }

    static List<String> thisLauncher(Path stateDir) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> flags = new ArrayList<>();
        // the scaler's own heap and JIT settings (what its operator chose for runway processes), nothing else
        for (String a :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if ((a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-XX:")) && !launcherArchive(a))
                flags.add(a);
        }
        flags.addAll(leanAgent(flags));
        String classPath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(flags);
        Path archive = stateDir == null ? null : AgentClassArchive.ensure(javaBin, flags, classPath, stateDir);
        if (archive != null) {
            cmd.add("-XX:SharedArchiveFile=" + archive);
            cmd.add("-Xlog:cds=off,cds+dynamic=off"); // a mismatch only costs the speed-up; say nothing in job logs
        }
        cmd.addAll(List.of("-cp", classPath, Main.class.getName(), "agent"));
        return cmd;
    }
}
