package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.VariableView;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "vars",
        mixinStandardHelpOptions = true,
        description =
                "Configuration variables for workflows (vars.NAME): not secret, shown as they are; set and"
                        + " removed by admins, for every repository, one repository or one deployment environment (the most specific wins).",
        subcommands = {VarsCommand.Set.class, VarsCommand.Ls.class, VarsCommand.Rm.class})
final class VarsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client, null);
    }

    static String path(String name, ScopeOptions scope) {
        return Scoped.path(ApiPaths.VARIABLE, "variable", name, null) + scope.query();
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Create or replace a variable.")
    static final class Set implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits and _ (e.g. DEPLOY_REGION).")
        String name;

        @Parameters(index = "1", paramLabel = "VALUE", description = "The value (use secrets for anything secret).")
        String value;

        @Mixin
        ScopeOptions scope;

        @Override
        public Integer call() {
            ApiClient.Response r = client.client()
                    .send("PUT", path(name, scope), new VariableView.SetRequest(value), Duration.ofSeconds(30));
            VariableView v;
            try {
                v = Json.lenient().readValue(r.body(), VariableView.class);
            } catch (IOException e) {
                throw new CliException("unexpected answer: " + e.getMessage());
            }
            System.out.println((r.status() == 201 ? "created" : "updated") + " variable " + v.name() + scope.shown());
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List variables with their values.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Mixin
        ScopeOptions scope;

        @Override
        public Integer call() {
            return print(client, scope);
        }

        static int print(ClientOptions client, ScopeOptions scope) {
            String p = ApiPaths.VARIABLES + (scope == null ? "" : scope.query());
            VariableView.VariableList list = client.client().get(p, VariableView.VariableList.class);
            Instant now = Instant.now();
            System.out.print(Format.table(
                    List.of("NAME", "REPOSITORY", "VALUE", "UPDATED"),
                    list.variables().stream()
                            .map(v -> List.of(
                                    v.name(), ScopeOptions.column(v.repo()), v.value(), Format.age(v.updatedAt(), now)))
                            .toList()));
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a variable.")
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ScopeOptions scope;

        @Override
        public Integer call() {
            client.client().send("DELETE", path(name, scope), null, Duration.ofSeconds(30));
            System.out.println("deleted variable " + name + scope.shown());
            return 0;
        }
    }
}
