package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Create, list and revoke API tokens (with a role) and runner registration tokens (admin).",
        subcommands = {TokenCommand.Create.class, TokenCommand.Ls.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an API token with a role (--role), or a short-lived runner registration token for"
                    + " `runway agent --token` (--registration). Prints only the token, once: keep it.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = "--registration", description = "A runner registration token.")
        boolean registration;

        @Option(
                names = "--role",
                description = "An API token with this role: viewer (read), operator (also submit and cancel) or"
                        + " admin (also tokens, secrets, runners).")
        String role;

        @Option(names = "--name", description = "What the API token is for (shown by `token ls`).")
        String name;

        @Option(
                names = "--expires",
                description = "Lifetime, e.g. 30m, 1h, 7d (registration: default 1h, at most 30d; API token: default"
                        + " 90d, at most 366d).")
        String expires;

        @Option(
                names = "--max-uses",
                defaultValue = "1",
                description = "How many runners may register with it (default ${DEFAULT-VALUE}).")
        int maxUses;

        @Override
        public Integer call() {
            if (registration == (role != null))
                throw new CliException("give either --registration or --role viewer|operator|admin");
            if (role != null) {
                ApiTokenView t = client.client()
                        .post(
                                ApiPaths.API_TOKENS,
                                new ApiTokenView.CreateRequest(role, expires, name),
                                ApiTokenView.class);
                System.out.println(t.token());
                System.err.println("API token " + t.id() + " (" + t.role() + "): expires " + t.expiresAt());
                return 0;
            }
            RegistrationTokenView t = client.client()
                    .post(
                            ApiPaths.REGISTRATION_TOKENS,
                            new RegistrationTokenRequest(expires == null ? "1h" : expires, maxUses),
                            RegistrationTokenView.class);
            System.out.println(t.token());
            System.err.println(
                    "registration token " + t.id() + ": expires " + t.expiresAt() + ", " + t.maxUses() + " use(s)");
            return 0;
        }
    }

    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            description = "List API tokens and registration tokens (never their values).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            ApiTokenView.TokenList api = client.client().get(ApiPaths.API_TOKENS, ApiTokenView.TokenList.class);
            Instant at = Instant.now();
            System.out.println("API tokens:");
            System.out.print(Format.table(
                    List.of("ID", "ROLE", "NAME", "CREATED", "EXPIRES", "LAST USED", "STATE"),
                    api.tokens().stream()
                            .map(t -> List.of(
                                    t.id(),
                                    t.role(),
                                    t.name() == null ? "-" : t.name(),
                                    Format.age(t.createdAt(), at),
                                    t.expiresAt() == null
                                            ? "never"
                                            : t.expiresAt().toString(),
                                    t.lastUsedAt() == null ? "never" : Format.age(t.lastUsedAt(), at),
                                    t.revoked()
                                            ? "revoked"
                                            : t.expiresAt() != null
                                                            && t.expiresAt().isBefore(at)
                                                    ? "expired"
                                                    : "valid"))
                            .toList()));
            System.out.println();
            System.out.println("Registration tokens:");
            RegistrationTokenView[] all =
                    client.client().get(ApiPaths.REGISTRATION_TOKENS, RegistrationTokenView[].class);
            Instant now = Instant.now();
            System.out.print(Format.table(
                    List.of("ID", "CREATED", "EXPIRES", "USES", "STATE"),
                    java.util.Arrays.stream(all)
                            .map(t -> List.of(
                                    t.id(),
                                    Format.age(t.createdAt(), now),
                                    t.expiresAt().toString(),
                                    t.uses() + "/" + t.maxUses(),
                                    t.revoked()
                                            ? "revoked"
                                            : t.expiresAt().isBefore(now)
                                                    ? "expired"
                                                    : t.uses() >= t.maxUses() ? "used up" : "valid"))
                            .toList()));
            return 0;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description =
                    "Revoke an API token (at...) or a registration token (rt...) by its id; it is refused from its"
                            + " next request on.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            String template = id.startsWith("rt") ? ApiPaths.REGISTRATION_TOKEN : ApiPaths.API_TOKEN;
            client.client().delete(Ids.path(template, id, "token"));
            System.out.println("revoked " + id);
            return 0;
        }
    }
}
