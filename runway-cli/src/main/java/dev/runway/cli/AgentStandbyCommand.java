package dev.runway.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * A runner agent started ahead of need by the scaler's process provider: the JVM is up and the agent's classes are
 * loaded, but it is no runner (no registration, no credential) until the scaler hands it its command line and
 * single-use registration token on standard input, one JSON line {@code {"args": [...], "env": {...}}}. A new
 * runner is then ready in the time a registration takes instead of a JVM start. End of input (the scaler went away)
 * ends it.
 */
@Command(name = "agent-standby", hidden = true, description = "Internal: a pre-started agent for the fleet scaler.")
final class AgentStandbyCommand implements Callable<Integer> {
    /** What the scaler sends: the arguments after {@code runway} and the RUNWAY_* environment they go with. */
    record Handoff(List<String> args, Map<String, String> env) {}

    @Override
    public Integer call() throws Exception {
        warmUp();
        // for whoever waits on it (the scaler's benchmark): the JVM is up and the agent's classes loaded
        java.nio.file.Files.writeString(java.nio.file.Path.of("ready"), "");
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isBlank()) return 0;
        Handoff h = Json.lenient().readValue(line, new TypeReference<Handoff>() {});
        org.slf4j.LoggerFactory.getLogger(AgentStandbyCommand.class).info("standby JVM taking over as a runner");
        if (h.args() == null || h.args().isEmpty() || !h.args().getFirst().equals("agent"))
            throw new CliException("agent-standby: expected the arguments of `runway agent`");
        Map<String, String> env = new HashMap<>(System.getenv());
        if (h.env() != null) env.putAll(h.env());
        return Main.execute(h.args().toArray(String[]::new), env);
    }

    /** Loads what every agent start needs (logging, JSON, HTTP, the command line model) while nobody waits. */
    private static void warmUp() throws Exception {
        org.slf4j.LoggerFactory.getLogger(AgentStandbyCommand.class);
        Json.lenient().writeValueAsString(new dev.runway.protocol.RegisterRequest("x", "x", List.of(), 1, "x"));
        Class.forName("dev.runway.agent.RunwayAgent");
        Class.forName("dev.runway.agent.client.HttpServerClient");
        Class.forName("dev.runway.agent.steps.JobExecutor");
        java.net.http.HttpClient.newHttpClient();
        Main.commandLine(new ConfigDefaults(Map.of(), null)).getSubcommands().get("agent");
    }
}
