package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ArtifactList;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "artifacts",
        mixinStandardHelpOptions = true,
        description = "List a run's artifacts, or download them as zip files.",
        subcommands = {ArtifactsCommand.Download.class})
final class ArtifactsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "The run whose artifacts to list.")
    String run;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (run == null)
            throw new CliException("give a RUN id (see `runway runs`), or `runway artifacts download RUN`");
        ArtifactList list = client.client().get(Ids.path(ApiPaths.RUN_ARTIFACTS, run, "run"), ArtifactList.class);
        if (json) {
            System.out.println(Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(list));
            return 0;
        }
        Instant now = Instant.now();
        System.out.print(Format.table(
                List.of("NAME", "SIZE", "SHA256", "JOB", "AGE"),
                list.artifacts().stream()
                        .map(a -> List.of(
                                a.name(),
                                Long.toString(a.size()),
                                a.sha256().substring(0, 12),
                                a.jobId(),
                                Format.age(a.createdAt(), now)))
                        .toList()));
        return 0;
    }

    @Command(
            name = "download",
            mixinStandardHelpOptions = true,
            description = "Download artifacts of a run as NAME.zip (all of them without NAME).")
    static final class Download implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
        String name;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "DIR",
                defaultValue = ".",
                description = "Directory to write into (default: the current one).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            ApiClient api = client.client();
            List<String> names = name != null
                    ? List.of(name)
                    : api.get(Ids.path(ApiPaths.RUN_ARTIFACTS, run, "run"), ArtifactList.class).artifacts().stream()
                            .map(ArtifactView::name)
                            .toList();
            Files.createDirectories(dir);
            for (String n : names) {
                Path to = dir.resolve(n.replaceAll("[^A-Za-z0-9._-]", "_") + ".zip");
                api.download(ApiPaths.withIdAndName(Ids.path(ApiPaths.RUN_ARTIFACT, run, "run"), run, n), to);
                System.out.println(to + " (" + Files.size(to) + " bytes)");
            }
            if (names.isEmpty()) System.err.println("run " + run + " has no artifacts");
            return 0;
        }
    }
}
