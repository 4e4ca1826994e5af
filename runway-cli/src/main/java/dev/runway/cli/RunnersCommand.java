package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.RunnerList;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "runners",
        mixinStandardHelpOptions = true,
        description = "List registered runners, or remove one.",
        subcommands = {RunnersCommand.Ls.class, RunnersCommand.Rm.class})
final class RunnersCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client);
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List registered runners.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            return print(client);
        }

        static int print(ClientOptions client) {
            RunnerList list = client.client().get(ApiPaths.RUNNERS, RunnerList.class);
            Instant now = Instant.now();
            System.out.print(Format.table(
                    List.of("ID", "NAME", "LABELS", "STATE", "SLOTS", "VERSION", "LAST SEEN", "NOTE"),
                    list.runners().stream()
                            .map(r -> List.of(
                                    r.id(),
                                    r.name(),
                                    String.join(",", r.labels()),
                                    r.state(),
                                    r.runningJobs() + "/" + r.slots(),
                                    r.version() == null ? "-" : r.version(),
                                    Format.age(r.lastSeenAt(), now),
                                    r.unhealthyReason() == null ? "" : r.unhealthyReason()))
                            .toList()));
            return 0;
        }
    }

    @Command(
            name = "rm",
            mixinStandardHelpOptions = true,
            description = "Delete a runner: its credential stops working on its next request.")
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUNNER")
        String id;

        @Override
        public Integer call() {
            client.client().delete(Ids.path(ApiPaths.RUNNER, id, "runner"));
            System.out.println("deleted runner " + id);
            return 0;
        }
    }
}
