package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = {
            "Queue a job from a YAML or JSON job file and print its id.",
            "File: name, labels, env, timeout-seconds, max-attempts, steps: [{name, run, env, working-directory, timeout-seconds, shell}]."
        })
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FILE", description = "Job file.")
    Path file;

    @Option(
            names = {"-f", "--follow"},
            description = "Stream the log until the job ends; exit 0 only if it succeeded.")
    boolean follow;

    @Override
    public Integer call() {
        JobSpec spec = JobFiles.read(file);
        ApiClient api = client.client();
        JobView job = api.post(ApiPaths.JOBS, spec, JobView.class);
        System.out.println(job.id());
        if (!follow) return 0;
        LogsCommand.follow(api, job.id(), System.out);
        JobView done = api.get(ApiPaths.withId(ApiPaths.JOB, job.id()), JobView.class);
        System.err.println("job " + done.id() + " " + done.state().wireName()
                + (done.reason() == null ? "" : ": " + done.reason()));
        return done.state() == JobState.SUCCEEDED ? 0 : 1;
    }
}
