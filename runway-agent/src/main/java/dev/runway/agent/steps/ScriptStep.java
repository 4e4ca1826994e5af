package dev.runway.agent.steps;

import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.InsideDirectories;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code run:} step: its script written to a file in the job's step files, run with its shell ({@code bash -e}
 * when none is named, {@code bash --noprofile --norc -eo pipefail} for {@code shell: bash}, {@code sh -e}, python,
 * or a custom shell with {@code {0}}) in its working
 * directory, under the job's {@link ProcessSupervisor}.
 */
final class ScriptStep {
    private ScriptStep() {}

    /** The command that runs {@code script} with {@code shell}; null when the shell is not supported. */
    static List<String> command(String shell, Path script) {
        return switch (shell) {
            case "bash" -> List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString());
            case "sh" -> List.of("sh", "-e", script.toString());
            case "python" -> List.of("python3", script.toString());
            default -> {
                if (!shell.contains("{0}")) yield null;
                // GitHub's custom shell: the command with {0} replaced by the script file
                List<String> cmd = new ArrayList<>();
                for (String part : shell.strip().split("\\s+")) cmd.add(part.replace("{0}", script.toString()));
                yield cmd;
            }
        };
    }

    /**
     * The command for a step that names no shell (nor do its defaults): GitHub runs {@code bash -e {0}} there, without
     * the {@code --noprofile --norc -o pipefail} of an explicit {@code shell: bash}, so a failure before a pipe does
     * not fail the step; {@code sh -e {0}} where there is no bash.
     */
    static List<String> unspecified(String defaultShell, Path script) {
        return defaultShell.equals("bash")
                ? List.of("bash", "-e", script.toString())
                : List.of("sh", "-e", script.toString());
    }

    static StepRun run(
            ProcessSupervisor supervisor,
            StepHost host,
            Path filesDir,
            int index,
            StepSpec step,
            Path workspace,
            Map<String, String> env,
            WorkflowCommands out,
            boolean workflow) {
        Path script = null;
        try {
            Path cwd = InsideDirectories.stepDirectory(workspace, step.workingDirectory());
            script = Files.createTempFile(filesDir, "step-" + index + "-", ".sh");
            Files.writeString(script, step.run() + "\n");
            String shell = step.shell() == null ? host.defaultShell() : step.shell();
            // a workflow step naming no shell runs as on GitHub; a job of Runway's own API defaults to bash -eo
            // pipefail
            List<String> cmd = step.shell() == null && workflow ? unspecified(shell, script) : command(shell, script);
            if (cmd == null)
                return new StepRun(
                        JobState.FAILED,
                        null,
                        "shell '" + shell + "' is not supported (use bash, sh, python or a command with {0})");
            Map<String, String> penv = new HashMap<>(env);
            Path home = host.home();
            if (home != null) penv.put("HOME", home.toString());
            penv.putAll(step.env());
            return supervisor.run(host, cmd, script, cwd, penv, step.timeoutSeconds(), out);
        } catch (IOException e) {
            return new StepRun(JobState.FAILED, null, "cannot start step: " + e.getMessage());
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // removed with the step files at the end of the job
                }
            }
        }
    }
}
