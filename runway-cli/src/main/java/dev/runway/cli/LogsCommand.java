package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Print a job's log; with -f follow it until the job ends.")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "JOB", description = "Job id.")
    String jobId;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing as the job writes, until it ends.")
    boolean follow;

    @Option(names = "--attempt", description = "Attempt number (default: the latest).")
    Integer attempt;

    @Override
    public Integer call() {
        ApiClient api = client.client();
        if (follow) {
            follow(api, jobId, System.out);
        } else {
            long offset = 0;
            while (true) {
                ApiClient.Response r = api.send("GET", path(jobId, offset, 0, attempt), null, Duration.ofSeconds(30));
                System.out.write(r.body(), 0, r.body().length);
                long next = Long.parseLong(r.header("Runway-Log-Offset"));
                if (r.body().length == 0 || next <= offset) break;
                offset = next;
            }
            System.out.flush();
        }
        return 0;
    }

    /** Streams the log from the start until the server says it is complete. */
    static void follow(ApiClient api, String jobId, PrintStream out) {
        long offset = 0;
        Integer attempt = null;
        while (true) {
            ApiClient.Response r = api.send("GET", path(jobId, offset, 25, attempt), null, Duration.ofSeconds(60));
            out.write(r.body(), 0, r.body().length);
            out.flush();
            String a = r.header("Runway-Log-Attempt");
            if (attempt == null && a != null && !a.equals("0")) attempt = Integer.parseInt(a);
            offset = Long.parseLong(r.header("Runway-Log-Offset"));
            if ("true".equals(r.header("Runway-Log-Complete"))) {
                // a requeued job continues in a new attempt: follow that one
                String latest = api.send("GET", path(jobId, 0, 0, null), null, Duration.ofSeconds(30))
                        .header("Runway-Log-Attempt");
                if (latest == null || latest.equals("0") || latest.equals(String.valueOf(attempt))) return;
                boolean requeued = attempt != null; // else the job was queued when we started following
                attempt = Integer.parseInt(latest);
                offset = 0;
                if (requeued) out.println("[runway] attempt " + attempt);
            }
        }
    }

    static String path(String jobId, long offset, int wait, Integer attempt) {
        return Ids.path(ApiPaths.JOB_LOGS, jobId, "job") + "?offset=" + offset + (wait > 0 ? "&wait=" + wait : "")
                + (attempt == null ? "" : "&attempt=" + attempt);
    }
}
