package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.EnvironmentView;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "envs",
        mixinStandardHelpOptions = true,
        description = "Deployment environments (environment: in a workflow job) and their protection rules:"
                + " required reviewers, a wait timer, the branches that may deploy. Set and removed by admins.",
        subcommands = {EnvsCommand.Set.class, EnvsCommand.Ls.class, EnvsCommand.Rm.class})
final class EnvsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client);
    }

    static String path(String name) {
        if (name == null || name.isBlank()) throw new CliException("an environment name is required");
        return ApiPaths.ENVIRONMENT.replace(
                "{name}", URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = "Create or replace an environment's rules (options not given are cleared).")
    static final class Set implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME", description = "As the workflow names it (not case sensitive).")
        String name;

        @Option(
                names = "--reviewer",
                paramLabel = "TOKEN-NAME",
                description = "May approve or reject its deployments (a Runway API token's name; repeat, up to 6)."
                        + " One approval lets the jobs start.")
        List<String> reviewers = List.of();

        @Option(
                names = "--wait",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Wait timer: jobs start no sooner than this after they reach the environment (e.g."
                        + " 10m; at most 30 days).")
        Duration wait;

        @Option(
                names = "--branch",
                paramLabel = "PATTERN",
                description = "Only runs of matching branches or tags may deploy (GitHub's filter patterns, e.g."
                        + " main, release/*; repeat). Default: every branch.")
        List<String> branches = List.of();

        @Override
        public Integer call() {
            ApiClient.Response r = client.client()
                    .send(
                            "PUT",
                            path(name),
                            new EnvironmentView.SetRequest(
                                    reviewers, wait == null ? 0 : (int) wait.toSeconds(), branches),
                            Duration.ofSeconds(30));
            System.out.println((r.status() == 201 ? "created" : "updated") + " environment " + name);
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List environments with their rules.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            return print(client);
        }

        static int print(ClientOptions client) {
            EnvironmentView.EnvironmentList list =
                    client.client().get(ApiPaths.ENVIRONMENTS, EnvironmentView.EnvironmentList.class);
            Instant now = Instant.now();
            System.out.print(Format.table(
                    List.of("NAME", "REVIEWERS", "WAIT", "BRANCHES", "UPDATED"),
                    list.environments().stream()
                            .map(e -> List.of(
                                    e.name(),
                                    e.reviewers().isEmpty() ? "-" : String.join(",", e.reviewers()),
                                    e.waitSeconds() == 0 ? "-" : Format.duration(e.waitSeconds() * 1000L),
                                    e.branches().isEmpty() ? "(all)" : String.join(",", e.branches()),
                                    Format.age(e.updatedAt(), now)))
                            .toList()));
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an environment's rules.")
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            client.client().send("DELETE", path(name), null, Duration.ofSeconds(30));
            System.out.println("removed environment " + name);
            return 0;
        }
    }
}
