package dev.runway.bench;

import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.StepSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * What a claim costs as the queue grows with work the runner cannot take: N queued jobs of 20 label sets, none of
 * which the probing runner can take (half of them ask for its labels plus one it lacks, so a label match done row by
 * row would have to look at them), then a runner polls for a probe job submitted just before: the poll's answer time
 * is the claim (plus one loopback HTTP exchange). Target: flat, the p50 at 10,000 queued within 1.5× of that at 10.
 */
final class ClaimCostBench {
    static final double FLAT = 1.5;

    static void run(List<String> stores, List<Integer> queued, int probes) throws Exception {
        System.out.println(
                "## Claim cost: a runner's poll for a probe job beside N queued jobs it cannot take (20 label"
                        + " sets, half of them its labels plus one it lacks)");
        System.out.printf(
                "%-11s %8s %8s %8s %8s %10s   %s%n",
                "store",
                "queued",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "p50 ratio",
                "target: p50 at the largest queue <= " + FLAT + "x the p50 at the smallest");
        for (String store : stores) {
            measure(store, queued.get(0), probes); // unreported: the JIT's first pass over the claim path
            Stats first = null;
            for (int i = 0; i < queued.size(); i++) {
                int n = queued.get(i);
                Stats s = measure(store, n, probes);
                if (first == null) first = s;
                double ratio = s.p50() / first.p50();
                boolean last = i == queued.size() - 1;
                System.out.printf(
                        "%-11s %8d %8.2f %8.2f %8.2f %10.2f   %s%n",
                        store, n, s.p50(), s.p90(), s.p99(), ratio, last ? Bench.verdict(ratio <= FLAT) : "");
            }
        }
        System.out.println();
    }

    static JobSpec job(List<String> labels) {
        return new JobSpec("bench", labels, Map.of(), List.of(StepSpec.of("s", "true")), 600, 1);
    }

    static Stats measure(String store, int n, int probes) throws Exception {
        try (Bench.Env env = Bench.start(store);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore parallel = new Semaphore(8);
            List<Future<?>> submits = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i % 20;
                List<String> labels = k % 2 == 0 ? List.of("linux", "probe", "needs-" + k) : List.of("other-" + k);
                submits.add(threads.submit(() -> {
                    parallel.acquire();
                    try {
                        return Bench.submit(env, job(labels));
                    } finally {
                        parallel.release();
                    }
                }));
            }
            for (Future<?> f : submits) f.get();
            RegisterResponse runner = Bench.register(env, "prober", List.of("linux", "probe"), 1);
            int warmup = Math.max(5, probes / 5);
            long[] lat = new long[probes];
            for (int i = -warmup; i < probes; i++) {
                Bench.submit(env, job(List.of("probe")));
                long t0 = System.nanoTime();
                Http.Answer a = Bench.poll(env, runner, 5);
                long t = System.nanoTime() - t0;
                if (a == null || a.status() != 200)
                    throw new IllegalStateException(
                            "the probe job was not handed out: " + (a == null ? "no answer" : a.status()));
                Bench.finish(env, a.as(Assignment.class));
                if (i >= 0) lat[i] = t;
            }
            return Stats.of(lat);
        }
    }

    private ClaimCostBench() {}
}
