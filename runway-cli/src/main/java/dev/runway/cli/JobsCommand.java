package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobList;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.StepResult;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "jobs",
        mixinStandardHelpOptions = true,
        description = "List jobs (newest first), show one, or cancel one.",
        subcommands = {JobsCommand.Show.class, JobsCommand.Cancel.class})
final class JobsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(
            names = "--state",
            description = "Only jobs in this state: queued, running, succeeded, failed, cancelled, timed_out, skipped.")
    String state;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String q = "?limit=" + limit
                + (state == null
                        ? ""
                        : "&state=" + java.net.URLEncoder.encode(state, java.nio.charset.StandardCharsets.UTF_8));
        JobList jobs = client.client().get(ApiPaths.JOBS + q, JobList.class);
        if (json) {
            System.out.println(Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(jobs));
            return 0;
        }
        Instant now = Instant.now();
        System.out.print(Format.table(
                List.of("ID", "NAME", "STATE", "RUNNER", "QUEUE WAIT", "DURATION", "AGE", "WAITING FOR"),
                jobs.jobs().stream()
                        .map(j -> List.of(
                                j.id(),
                                j.name(),
                                j.state().wireName(),
                                j.runnerName() == null ? "-" : j.runnerName(),
                                Format.duration(j.queueWaitMs()),
                                Format.duration(j.durationMs()),
                                Format.age(j.createdAt(), now),
                                j.waiting() == null ? "" : j.waiting()))
                        .toList()));
        return 0;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one job with its steps.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "JOB")
        String id;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JobView j = client.client().get(Ids.path(ApiPaths.JOB, id, "job"), JobView.class);
            if (json) {
                System.out.println(
                        Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(j));
                return 0;
            }
            System.out.printf("job       %s  %s%n", j.id(), j.name());
            System.out.printf(
                    "state     %s%s%n", j.state().wireName(), j.reason() == null ? "" : " (" + j.reason() + ")");
            if (j.waiting() != null) System.out.printf("waiting   %s%n", j.waiting());
            System.out.printf("labels    %s%n", j.labels().isEmpty() ? "-" : String.join(",", j.labels()));
            System.out.printf("attempt   %d of %d%n", j.attempt(), j.maxAttempts());
            System.out.printf(
                    "runner    %s%n", j.runnerName() == null ? "-" : j.runnerName() + " (" + j.runnerId() + ")");
            System.out.printf("queued    %s, waited %s%n", j.createdAt(), Format.duration(j.queueWaitMs()));
            System.out.printf("duration  %s%n", Format.duration(j.durationMs()));
            System.out.printf("log       %d bytes%n", j.logBytes());
            if (j.usage() != null && j.usage().known())
                System.out.printf("resources %s%n", j.usage().summary());
            if (j.runId() != null) System.out.printf("run       %s%n", j.runId());
            if (j.outputs() != null && !j.outputs().isEmpty()) {
                j.outputs().forEach((k, v) -> System.out.printf("output    %s=%s%n", k, v));
            }
            if (j.annotations() != null && !j.annotations().isEmpty()) {
                System.out.println();
                j.annotations().forEach(x -> System.out.println(Format.annotation(x)));
            }
            if (!j.steps().isEmpty()) {
                System.out.println();
                System.out.print(Format.table(
                        List.of("STEP", "RESULT", "EXIT", "DURATION"),
                        j.steps().stream()
                                .map((StepResult s) -> List.of(
                                        s.name(),
                                        s.result() == null
                                                ? "skipped"
                                                : s.result().wireName(),
                                        s.exitCode() == null
                                                ? "-"
                                                : s.exitCode().toString(),
                                        Format.duration(s.durationMs())))
                                .toList()));
            }
            return 0;
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a queued or running job (its processes are killed).")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "JOB")
        String id;

        @Override
        public Integer call() {
            JobView j = client.client().post(Ids.path(ApiPaths.JOB_CANCEL, id, "job"), null, JobView.class);
            System.out.println(
                    j.id() + " " + (j.state().isTerminal() ? j.state().wireName() : "cancel requested"));
            return 0;
        }
    }
}
