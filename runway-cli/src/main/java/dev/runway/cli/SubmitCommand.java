package dev.runway.cli;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = {
            "Queue a job from a YAML or JSON job file, or start a workflow run with --workflow; print the id.",
            "Job file: name, labels, env, timeout-seconds, max-attempts, steps: [{name, run, env, working-directory,"
                    + " timeout-seconds, shell}].",
            "Workflow: the control plane reads PATH from the git repository --repo at --ref (a local path is sent"
                    + " as an absolute path, so the control plane must be able to read it)."
        })
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Job file (not with --workflow).")
    Path file;

    @Option(
            names = {"-w", "--workflow"},
            paramLabel = "PATH",
            description = "Start a run of this workflow file (a path inside the repository).")
    String workflow;

    @Option(
            names = "--repo",
            paramLabel = "URL|DIR",
            defaultValue = ".",
            description = "Git repository of the workflow (default: the current directory).")
    String repo;

    @Option(names = "--ref", paramLabel = "REF", description = "Branch, tag or commit (default: HEAD).")
    String ref;

    @Option(
            names = "--event",
            paramLabel = "EVENT",
            description = "Event to run for (default: workflow_dispatch if the workflow has it, else its first"
                    + " trigger).")
    String event;

    @Option(
            names = {"-i", "--input"},
            paramLabel = "NAME=VALUE",
            description = "A workflow_dispatch input (repeatable).")
    Map<String, String> inputs = new LinkedHashMap<>();

    @Option(
            names = {"-f", "--follow"},
            description = "Job: stream the log until it ends. Run: show job progress until the run ends. Exit 0"
                    + " only on success.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        ApiClient api = client.client();
        if (workflow != null) {
            if (file != null) throw new CliException("give a job FILE or --workflow, not both");
            String where = repo;
            if (!repo.contains("://") && !repo.matches("^[\\w.-]+@[\\w.-]+:.*")) {
                Path dir = Path.of(repo).toAbsolutePath().normalize();
                if (!Files.isDirectory(dir)) throw new CliException("--repo: no directory " + dir);
                where = dir.toString();
            }
            RunView run =
                    api.post(ApiPaths.RUNS, new RunRequest(where, ref, workflow, null, event, inputs), RunView.class);
            System.out.println(run.id());
            if (!follow) return 0;
            RunView done = RunsCommand.follow(api, run.id(), System.err);
            return done.state() == JobState.SUCCEEDED ? 0 : 1;
        }
        if (file == null) throw new CliException("give a job FILE, or --workflow PATH to start a workflow run");
        JobSpec spec = JobFiles.read(file);
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
