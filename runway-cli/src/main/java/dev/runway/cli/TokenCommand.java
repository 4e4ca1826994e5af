package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
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
        description = "Create and list registration tokens (admin).",
        subcommands = {TokenCommand.Create.class, TokenCommand.Ls.class})
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
            description = "Create a short-lived registration token for `runway agent --token`; prints only the token.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(
                names = "--registration",
                required = true,
                description = "A runner registration token (the only kind for now).")
        boolean registration;

        @Option(
                names = "--expires",
                defaultValue = "1h",
                description = "Lifetime, e.g. 30m, 1h, 7d (default ${DEFAULT-VALUE}; at most 30d).")
        String expires;

        @Option(
                names = "--max-uses",
                defaultValue = "1",
                description = "How many runners may register with it (default ${DEFAULT-VALUE}).")
        int maxUses;

        @Override
        public Integer call() {
            RegistrationTokenView t = client.client()
                    .post(
                            ApiPaths.REGISTRATION_TOKENS,
                            new RegistrationTokenRequest(expires, maxUses),
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
            description = "List registration tokens (never their values).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
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
}
