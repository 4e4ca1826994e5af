package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.SecretView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "secrets",
        mixinStandardHelpOptions = true,
        description = "Secrets for workflow jobs (admin): encrypted at rest, sent only to the jobs that reference them,"
                + " masked in their logs. Values are never shown.",
        subcommands = {
            SecretsCommand.Set.class,
            SecretsCommand.Ls.class,
            SecretsCommand.Rm.class,
            SecretsCommand.RotateKey.class
        })
final class SecretsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client, null);
    }

    static String path(String name, ScopeOptions scope) {
        return Scoped.path(ApiPaths.SECRET, "secret", name, null) + scope.query();
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = "Create or replace a secret. The value comes from standard input (one trailing newline"
                    + " removed) or --file, never from an argument (it would land in shell history and ps).")
    static final class Set implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits and _ (e.g. DEPLOY_KEY).")
        String name;

        @Mixin
        ScopeOptions scope;

        @Option(names = "--file", paramLabel = "FILE", description = "Read the value from this file (as is).")
        Path file;

        @Override
        public Integer call() {
            String value;
            try {
                if (file != null) {
                    value = Files.readString(file);
                } else {
                    if (System.console() != null) System.err.println("Enter the value of " + name + ", then Ctrl-D:");
                    value = read(System.in);
                    if (value.endsWith("\n")) value = value.substring(0, value.length() - 1);
                    if (value.endsWith("\r")) value = value.substring(0, value.length() - 1);
                }
            } catch (IOException e) {
                throw new CliException("cannot read the value: " + e.getMessage());
            }
            if (value.isEmpty())
                throw new CliException("the value is empty (give it on standard input or with --file)");
            ApiClient.Response r = client.client()
                    .send("PUT", path(name, scope), new SecretView.SetRequest(value), Duration.ofSeconds(30));
            SecretView v;
            try {
                v = Json.lenient().readValue(r.body(), SecretView.class);
            } catch (IOException e) {
                throw new CliException("unexpected answer: " + e.getMessage());
            }
            System.out.println((r.status() == 201 ? "created" : "updated") + " secret " + v.name() + scope.shown());
            if (v.warning() != null) System.err.println("warning: " + v.warning());
            return 0;
        }

        private static String read(InputStream in) throws IOException {
            byte[] b = in.readNBytes(64 * 1024 + 1);
            if (b.length > 64 * 1024) throw new CliException("the value is longer than 64 KiB");
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List secrets (names and dates only).")
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
            String p = ApiPaths.SECRETS + (scope == null ? "" : scope.query());
            SecretView.SecretList list = client.client().get(p, SecretView.SecretList.class);
            Instant now = Instant.now();
            System.out.print(Format.table(
                    List.of("NAME", "REPOSITORY", "UPDATED"),
                    list.secrets().stream()
                            .map(s -> List.of(s.name(), ScopeOptions.column(s.repo()), Format.age(s.updatedAt(), now)))
                            .toList()));
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a secret.")
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
            System.out.println("deleted secret " + name + scope.shown());
            return 0;
        }
    }

    @Command(
            name = "rotate-key",
            mixinStandardHelpOptions = true,
            description = "Generate a new master key and re-encrypt every secret under it (the old key file is kept"
                    + " as <file>.previous).")
    static final class RotateKey implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            SecretView.Rotated r = client.client().post(ApiPaths.SECRETS_ROTATE_KEY, null, SecretView.Rotated.class);
            System.out.println("master key rotated to " + r.keyId() + ": " + r.secrets() + " secret(s) re-encrypted");
            return 0;
        }
    }
}
