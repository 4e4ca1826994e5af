package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.PoolStatus;
import dev.runway.protocol.PoolView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "pools",
        mixinStandardHelpOptions = true,
        description = "Fleet-scaler pools: what each holds, the last scaling decision and why; drain, resume, and"
                + " promote or roll back a canary.",
        subcommands = {
            PoolsCommand.Ls.class,
            PoolsCommand.Drain.class,
            PoolsCommand.Resume.class,
            PoolsCommand.Promote.class,
            PoolsCommand.Rollback.class
        })
final class PoolsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        return Ls.print(client);
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List pools with their last decision.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            return print(client);
        }

        static int print(ClientOptions client) {
            List<PoolView> pools = Arrays.asList(client.client().get(ApiPaths.POOLS, PoolView[].class));
            if (pools.isEmpty()) {
                System.out.println("no pools yet: start a scaler with `runway scaler --pools pools.yml`");
                return 0;
            }
            Instant now = Instant.now();
            List<List<String>> rows = new ArrayList<>();
            for (PoolView p : pools) {
                PoolStatus s = p.status();
                rows.add(List.of(
                        p.name(),
                        s == null ? "-" : s.provider(),
                        p.draining() ? "draining" : "active",
                        s == null ? "-" : Integer.toString(s.queued()),
                        s == null ? "-" : Integer.toString(s.idle()),
                        s == null ? "-" : Integer.toString(s.busy()),
                        s == null ? "-" : Integer.toString(s.starting()),
                        s == null ? "-" : s.minIdle() + "/" + s.max(),
                        provisioning(s),
                        p.queueWait() == null
                                ? "-"
                                : Format.duration(p.queueWait().p50Ms()) + "/"
                                        + Format.duration(p.queueWait().p95Ms()),
                        s == null ? "-" : s.lastDecision() + " (" + Format.age(s.decidedAt(), now) + ")",
                        Format.age(p.reportedAt(), now)));
            }
            System.out.print(Format.table(
                    List.of(
                            "POOL",
                            "PROVIDER",
                            "STATE",
                            "QUEUED",
                            "IDLE",
                            "BUSY",
                            "STARTING",
                            "MIN/MAX",
                            "READY p50/p95",
                            "QUEUE WAIT p50/p95",
                            "LAST DECISION",
                            "REPORTED"),
                    rows));
            for (PoolView p : pools) {
                if (p.status() != null)
                    System.out.println(p.name() + ": " + p.status().reason());
                String canary = canary(p);
                if (canary != null) System.out.println(p.name() + ": " + canary);
            }
            return 0;
        }

        static String provisioning(PoolStatus s) {
            if (s == null || s.provisioning() == null) return "-";
            PoolStatus.Provisioning p = s.provisioning();
            return Format.duration(p.readyP50Ms()) + "/" + Format.duration(p.readyP95Ms()) + " (first job "
                    + Format.duration(p.jobStartP50Ms()) + "/" + Format.duration(p.jobStartP95Ms()) + ", n="
                    + p.samples() + ")";
        }

        /** The rollout and each variant's success rate over the last 24 hours, side by side. */
        static String canary(PoolView p) {
            PoolStatus.Canary c = p.status() == null ? null : p.status().canary();
            if (c == null && p.variants().stream().noneMatch(v -> v.variant().equals("canary"))) return null;
            StringBuilder sb = new StringBuilder("canary");
            if (c != null)
                sb.append(' ')
                        .append(c.version())
                        .append(" on ")
                        .append(c.percent())
                        .append("% of new runners");
            if (p.canary() != null) sb.append(" (").append(p.canary()).append(')');
            for (PoolView.VariantStats v : p.variants()) {
                sb.append("; ").append(v.variant()).append(' ');
                sb.append(
                        v.finished() == 0
                                ? "no jobs yet"
                                : String.format("%.1f%% of %d jobs succeeded", 100 * v.successRate(), v.finished()));
            }
            return sb.toString();
        }
    }

    abstract static class Decision implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "POOL")
        String name;

        abstract String path();

        abstract String done();

        @Override
        public Integer call() {
            PoolView v = client.client().post(Ids.path(path(), name, "pool"), null, PoolView.class);
            System.out.println("pool " + name + ": " + done());
            String canary = Ls.canary(v);
            if (canary != null) System.out.println(canary);
            return 0;
        }
    }

    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description = "Stop new work on a pool: its runners take no new jobs (running ones finish), the scaler"
                    + " starts no more and stops its idle ones.")
    static final class Drain extends Decision {
        String path() {
            return ApiPaths.POOL_DRAIN;
        }

        String done() {
            return "draining: its runners take no new jobs; running jobs finish";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Undo a drain.")
    static final class Resume extends Decision {
        String path() {
            return ApiPaths.POOL_RESUME;
        }

        String done() {
            return "active again";
        }
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = "The pool's canary becomes what every new runner uses (make it the pool's agent in the"
                    + " scaler's file to keep it).")
    static final class Promote extends Decision {
        String path() {
            return ApiPaths.POOL_PROMOTE;
        }

        String done() {
            return "canary promoted: every new runner uses it";
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "No more canary runners in the pool; idle ones are stopped.")
    static final class Rollback extends Decision {
        String path() {
            return ApiPaths.POOL_ROLLBACK;
        }

        String done() {
            return "canary rolled back: new runners use the stable agent, idle canary runners are stopped";
        }
    }
}
