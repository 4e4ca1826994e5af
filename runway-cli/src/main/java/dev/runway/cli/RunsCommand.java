package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.EnvironmentView;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RerunRequest;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunView;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description = "List workflow runs (newest first), show one with its jobs, cancel one, or run it again.",
        subcommands = {
            RunsCommand.Show.class,
            RunsCommand.Cancel.class,
            RunsCommand.Rerun.class,
            RunsCommand.Approve.class,
            RunsCommand.Reject.class
        })
final class RunsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RunList runs = client.client().get(ApiPaths.RUNS + "?limit=" + limit, RunList.class);
        if (json) {
            System.out.println(Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(runs));
            return 0;
        }
        Instant now = Instant.now();
        System.out.print(Format.table(
                List.of("ID", "#", "WORKFLOW", "EVENT", "REF", "STATE", "DURATION", "AGE"),
                runs.runs().stream()
                        .map(r -> List.of(
                                r.id(),
                                Long.toString(r.number()),
                                r.name(),
                                r.event(),
                                r.ref() == null ? "-" : r.ref(),
                                r.state().wireName(),
                                Format.duration(r.durationMs()),
                                Format.age(r.createdAt(), now)))
                        .toList()));
        return 0;
    }

    /** Prints each job's state as it changes until the run ends; returns the finished run. */
    static RunView follow(ApiClient api, String id, PrintStream out) {
        Map<String, String> seen = new HashMap<>();
        Duration pause = Duration.ofMillis(200);
        while (true) {
            RunView r = api.get(Ids.path(ApiPaths.RUN, id, "run"), RunView.class);
            for (JobView j : r.jobs()) {
                String state = j.state().wireName()
                        + (j.reason() != null
                                ? " (" + j.reason() + ")"
                                : j.waiting() != null ? " (" + j.waiting() + ")" : "");
                if (!state.equals(seen.put(j.id(), state))) out.println("  " + j.name() + ": " + state);
            }
            if (r.state().isTerminal()) {
                out.println(
                        "run " + r.id() + " " + r.state().wireName() + (r.reason() == null ? "" : ": " + r.reason()));
                return r;
            }
            try {
                Thread.sleep(pause); // a CLI polling a server, not test synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
            pause = Duration.ofMillis(Math.min(1000, pause.toMillis() * 2));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one run with its jobs.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUN")
        String id;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(
                names = "--attempt",
                paramLabel = "N",
                description = "The jobs of this attempt of the run (default: the latest; a re-run makes a new one).")
        Integer attempt;

        @Override
        public Integer call() throws Exception {
            RunView r = client.client()
                    .get(
                            Ids.path(ApiPaths.RUN, id, "run") + (attempt == null ? "" : "?attempt=" + attempt),
                            RunView.class);
            if (json) {
                System.out.println(
                        Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(r));
                return 0;
            }
            System.out.printf("run       %s  #%d  %s%n", r.id(), r.number(), r.name());
            System.out.printf(
                    "state     %s%s%n", r.state().wireName(), r.reason() == null ? "" : " (" + r.reason() + ")");
            System.out.printf("workflow  %s%n", r.workflow());
            System.out.printf("repo      %s%n", r.repo() == null ? "-" : r.repo());
            System.out.printf(
                    "commit    %s%s%n", r.sha() == null ? "-" : r.sha(), r.ref() == null ? "" : " (" + r.ref() + ")");
            System.out.printf("event     %s%n", r.event());
            if (r.attempt() > 1 || attempt != null) System.out.printf("attempt   %d%n", r.attempt());
            if (!r.inputs().isEmpty()) System.out.printf("inputs    %s%n", r.inputs());
            System.out.printf("duration  %s%n", Format.duration(r.durationMs()));
            System.out.println();
            System.out.print(Format.table(
                    List.of("JOB", "NAME", "STATE", "RUNNER", "DURATION", "REASON"),
                    r.jobs().stream()
                            .map(j -> List.of(
                                    j.id(),
                                    j.name(),
                                    j.state().wireName(),
                                    j.runnerName() == null ? "-" : j.runnerName(),
                                    Format.duration(j.durationMs()),
                                    (j.carriedFrom() != null
                                                    ? "kept from an earlier attempt (log: " + j.carriedFrom() + ") "
                                                    : "")
                                            + (j.reason() != null
                                                    ? j.reason()
                                                    : j.waiting() != null ? "waiting: " + j.waiting() : "")))
                            .toList()));
            printDeployments(client, r.id());
            for (JobView j : r.jobs()) {
                if (j.annotations() == null || j.annotations().isEmpty()) continue;
                System.out.println();
                System.out.println(j.name() + ":");
                j.annotations().forEach(x -> System.out.println("  " + Format.annotation(x)));
            }
            return 0;
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a run: jobs not started are cancelled, running ones are stopped.")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUN")
        String id;

        @Override
        public Integer call() {
            RunView r = client.client().post(Ids.path(ApiPaths.RUN_CANCEL, id, "run"), null, RunView.class);
            System.out.println(
                    r.id() + " " + (r.state().isTerminal() ? r.state().wireName() : "cancel requested"));
            return 0;
        }
    }

    @Command(
            name = "rerun",
            mixinStandardHelpOptions = true,
            description = {
                "Run a finished run again, as its next attempt (github.run_attempt): every job, only the failed ones"
                        + " (--failed), or one job (--job); with the jobs that need them. The other jobs are kept with"
                        + " their results and outputs; the earlier attempt stays readable (runs show --attempt N)."
            })
    static final class Rerun implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUN")
        String id;

        @Option(names = "--failed", description = "Only the jobs that failed, were cancelled or timed out.")
        boolean failed;

        @Option(names = "--job", paramLabel = "JOB", description = "Only this job (its id under jobs:).")
        String job;

        @Option(names = "--follow", description = "Print each job's state as it changes until the run ends.")
        boolean follow;

        @Override
        public Integer call() {
            if (failed && job != null) throw new CliException("give --failed or --job, not both");
            RunView r = client.client()
                    .post(
                            Ids.path(ApiPaths.RUN_RERUN, id, "run"),
                            new RerunRequest(failed ? Boolean.TRUE : null, job),
                            RunView.class);
            System.out.println(
                    r.id() + " attempt " + r.attempt() + " " + r.state().wireName());
            if (!follow) return 0;
            RunView done = follow(client.client(), r.id(), System.out);
            return done.state() == dev.runway.protocol.JobState.SUCCEEDED ? 0 : 1;
        }
    }

    /** The run's deployment requests, when it has any: what waits for whom. */
    static void printDeployments(ClientOptions client, String runId) {
        EnvironmentView.DeploymentList list = client.client()
                .get(Ids.path(ApiPaths.RUN_DEPLOYMENTS, runId, "run"), EnvironmentView.DeploymentList.class);
        if (list.deployments().isEmpty()) return;
        System.out.println();
        System.out.print(Format.table(
                List.of("ENVIRONMENT", "STATE", "REVIEWERS", "DECIDED BY", "STARTS"),
                list.deployments().stream()
                        .map(d -> List.of(
                                d.environment(),
                                d.state().equals("waiting") ? "waiting for approval" : d.state(),
                                d.reviewers().isEmpty() ? "-" : String.join(",", d.reviewers()),
                                d.decidedBy() == null
                                        ? "-"
                                        : d.decidedBy() + (d.comment() == null ? "" : " (" + d.comment() + ")"),
                                d.state().equals("rejected") ? "-" : "not before " + d.dueAt()))
                        .toList()));
        if (list.deployments().stream().anyMatch(d -> d.state().equals("waiting")))
            System.out.println("approve with: runway runs approve " + runId + " --env ENVIRONMENT");
    }

    /** Approve and reject: a reviewer's decision on a run's deployment to one environment. */
    abstract static class Decide implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUN")
        String id;

        @Option(names = "--env", required = true, paramLabel = "ENVIRONMENT", description = "The environment.")
        String env;

        @Option(names = "--comment", paramLabel = "TEXT", description = "Why, for the run and the audit log.")
        String comment;

        abstract String decision();

        @Override
        public Integer call() {
            EnvironmentView.Deployment d = client.client()
                    .post(
                            Ids.path(ApiPaths.RUN_DEPLOYMENTS, id, "run"),
                            new EnvironmentView.Decision(env, decision(), comment),
                            EnvironmentView.Deployment.class);
            System.out.println("run " + d.runId() + ": deployment to " + d.environment() + " " + d.state()
                    + (d.state().equals("approved") && d.dueAt().isAfter(java.time.Instant.now())
                            ? " (its jobs start at " + d.dueAt() + ", the wait timer)"
                            : ""));
            return 0;
        }
    }

    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            description = "Approve a run's deployment to an environment (you must be one of its reviewers): its"
                    + " jobs for that environment start.")
    static final class Approve extends Decide {
        @Override
        String decision() {
            return "approve";
        }
    }

    @Command(
            name = "reject",
            mixinStandardHelpOptions = true,
            description = "Reject a run's deployment to an environment (you must be one of its reviewers): its"
                    + " jobs for that environment fail.")
    static final class Reject extends Decide {
        @Override
        String decision() {
            return "reject";
        }
    }
}
