package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.AuditView;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "The audit log of security events (admin): list it, or verify its hash chain.",
        subcommands = {AuditCommand.Ls.class, AuditCommand.Verify.class})
final class AuditCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client, null, null, 50);
    }

    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            description = "List audit records, oldest first (kinds: token.created, token.revoked,"
                    + " registration-token.created, registration-token.revoked, runner.registered, runner.removed,"
                    + " secret.set, secret.deleted, secret.delivered, secrets.key-rotated, auth.denied,"
                    + " auth.unknown-credential).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = "--since", description = "Only this recent, e.g. 1h, 7d.")
        String since;

        @Option(names = "--kind", description = "Only kinds starting with this, e.g. secret. or auth.denied.")
        String kind;

        @Option(
                names = "--limit",
                defaultValue = "200",
                description = "At most this many, the newest (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            return print(client, since, kind, limit);
        }

        static int print(ClientOptions client, String since, String kind, int limit) {
            List<String> q = new ArrayList<>();
            if (since != null) q.add("since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
            if (kind != null) q.add("kind=" + URLEncoder.encode(kind, StandardCharsets.UTF_8));
            q.add("limit=" + limit);
            AuditView.AuditList list =
                    client.client().get(ApiPaths.AUDIT + "?" + String.join("&", q), AuditView.AuditList.class);
            System.out.print(Format.table(
                    List.of("SEQ", "TIME", "KIND", "ACTOR", "SUBJECT", "DETAIL"),
                    list.records().stream()
                            .map(r -> List.of(
                                    Long.toString(r.seq()),
                                    r.at().toString(),
                                    r.kind(),
                                    r.actor(),
                                    r.subject() == null ? "" : r.subject(),
                                    r.detail() == null ? "" : r.detail()))
                            .toList()));
            return 0;
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Walk the hash chain: exit 0 if no record was edited, deleted or inserted, 1 otherwise."
                    + " Prints the head hash: keep it elsewhere to detect removal of the newest records later.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            AuditView.Verification v = client.client().get(ApiPaths.AUDIT_VERIFY, AuditView.Verification.class);
            if (v.ok()) {
                System.out.println("audit log intact: " + v.records() + " record(s), head " + v.head());
                return 0;
            }
            System.out.println("audit log BROKEN at record " + v.brokenAt() + ": " + v.problem() + " (" + v.records()
                    + " record(s) verified before it)");
            return 1;
        }
    }
}
