package dev.runway.agent.steps;

import dev.runway.agent.actions.Globs;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The runner's half of a workflow job's expressions: the contexts the control plane sent ({@code github},
 * {@code inputs}, {@code needs}, {@code matrix}, {@code strategy}, {@code vars}) plus what only the runner knows
 * ({@code env}, {@code steps}, {@code job}, {@code runner}), used for each step's {@code if:}, name, env, script,
 * working directory and {@code with}, and for the job's {@code outputs} at the end.
 */
public final class StepExpressions {
    private final Map<String, Object> sent;
    private final Map<String, Object> runner;
    private final Map<String, Object> steps = new LinkedHashMap<>();
    private final Path workspace;
    private final Map<String, String> secrets;

    /** {@code github.workspace} is {@code workspace} as the job's steps see it. */
    public StepExpressions(JobSpec spec, Path workspace, Map<String, Object> runner, Map<String, String> secrets) {
        this(withGithub(spec.contexts(), "workspace", workspace.toString()), workspace, runner, secrets);
    }

    private StepExpressions(
            Map<String, Object> sent, Path workspace, Map<String, Object> runner, Map<String, String> secrets) {
        this.sent = sent;
        this.runner = runner;
        this.workspace = workspace;
        this.secrets = secrets;
    }

    /** The contexts inside a composite action: its own {@code inputs} and an empty {@code steps}. */
    StepExpressions child(Map<String, Object> inputs) {
        return child(inputs, null);
    }

    /** As {@link #child(Map)}, with {@code github.action_path} the action's directory (if not null). */
    StepExpressions child(Map<String, Object> inputs, String actionPath) {
        Map<String, Object> s =
                actionPath == null ? new LinkedHashMap<>(sent) : withGithub(sent, "action_path", actionPath);
        s.put("inputs", inputs);
        return new StepExpressions(s, workspace, runner, secrets);
    }

    /** {@code contexts} with {@code github.<key>} set to {@code value}. */
    private static Map<String, Object> withGithub(Map<String, Object> contexts, String key, String value) {
        Map<String, Object> s = new LinkedHashMap<>(contexts);
        Map<String, Object> github = new LinkedHashMap<>();
        if (s.get("github") instanceof Map<?, ?> g) g.forEach((k, v) -> github.put(String.valueOf(k), v));
        github.put(key, value);
        s.put("github", github);
        return s;
    }

    public Templates.Scope scope(Map<String, String> env, Expressions.Status status) {
        Value.Obj c = new Value.Obj();
        c.put("env", Templates.object(env));
        c.put("steps", Templates.object(steps));
        c.put("runner", Templates.object(runner));
        c.put("job", Templates.object(Map.of("status", jobStatus(status))));
        c.put("secrets", Templates.object(secrets));
        Templates.object(sent).entries().forEach(c::put);
        return new Templates.Scope(c, status, this::hashFiles);
    }

    boolean condition(StepSpec step, Map<String, String> env, Expressions.Status status) {
        return Templates.condition(step.condition(), scope(env, status));
    }

    /** The step with its expressions evaluated; its env sees the job's env, its script and shell see both. */
    StepSpec resolve(StepSpec step, Map<String, String> env, Expressions.Status status) {
        Templates.Scope outer = scope(env, status);
        Map<String, String> stepEnv = new LinkedHashMap<>();
        step.env().forEach((k, v) -> stepEnv.put(k, Templates.render(v, outer)));
        Map<String, String> all = new LinkedHashMap<>(env);
        all.putAll(stepEnv);
        Templates.Scope inner = scope(all, status);
        Map<String, String> with = new LinkedHashMap<>();
        step.with().forEach((k, v) -> with.put(k, Templates.render(v, inner)));
        Integer timeout = step.timeoutSeconds();
        return new StepSpec(
                Templates.render(step.name(), inner),
                Templates.render(step.run(), inner),
                stepEnv,
                Templates.render(step.workingDirectory(), inner),
                timeout,
                Templates.render(step.shell(), inner),
                step.id(),
                step.condition(),
                step.uses(),
                with,
                step.continueOnError());
    }

    boolean continueOnError(StepSpec step, Map<String, String> env, Expressions.Status status) {
        if (step.continueOnError() == null || step.continueOnError().isBlank()) return false;
        return Templates.value(step.continueOnError(), scope(env, status)).truthy();
    }

    /** Records a finished (or skipped) step for {@code steps.<id>}. */
    void record(String id, String outcome, String conclusion, Map<String, String> outputs) {
        if (id == null || id.isBlank()) return;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("outputs", new LinkedHashMap<>(outputs));
        s.put("outcome", outcome);
        s.put("conclusion", conclusion);
        steps.put(id, s);
    }

    /** The job's {@code outputs:}, evaluated now that its steps are done; a value that fails to evaluate is "". */
    public Map<String, String> outputs(Map<String, String> exprs, Map<String, String> env, Expressions.Status status) {
        Map<String, String> out = new LinkedHashMap<>();
        Templates.Scope scope = scope(env, status);
        exprs.forEach((k, v) -> {
            try {
                out.put(k, Templates.render(v, scope));
            } catch (RuntimeException e) {
                out.put(k, "");
            }
        });
        return out;
    }

    private static String jobStatus(Expressions.Status s) {
        return switch (s) {
            case SUCCESS, DEPENDENCY_SKIPPED -> "success";
            case FAILURE -> "failure";
            case CANCELLED -> "cancelled";
        };
    }

    /**
     * GitHub's {@code hashFiles}: SHA-256 over the SHA-256 of each matching file in the workspace, in path order;
     * "" when nothing matches. A pattern starting with {@code !} excludes.
     */
    String hashFiles(List<String> patterns) {
        List<PathMatcher> include = new ArrayList<>();
        List<PathMatcher> exclude = new ArrayList<>();
        for (String p : patterns) {
            boolean not = p.startsWith("!");
            String glob = (not ? p.substring(1) : p).strip().replaceFirst("^\\./", "");
            if (glob.startsWith(workspace + "/"))
                glob = glob.substring(workspace.toString().length() + 1);
            (not ? exclude : include).add(Globs.matcher(glob));
        }
        try (Stream<Path> walk = Files.walk(workspace)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .map(workspace::relativize)
                    .filter(r -> include.stream().anyMatch(m -> m.matches(r)))
                    .filter(r -> exclude.stream().noneMatch(m -> m.matches(r)))
                    .sorted()
                    .toList();
            if (files.isEmpty()) return "";
            MessageDigest all = MessageDigest.getInstance("SHA-256");
            for (Path f : files) all.update(sha256(workspace.resolve(f)));
            return HexFormat.of().formatHex(all.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("hashFiles: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(Path f) throws IOException, NoSuchAlgorithmException {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
        }
        return d.digest();
    }
}
