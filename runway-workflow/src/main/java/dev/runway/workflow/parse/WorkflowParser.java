package dev.runway.workflow.parse;

import dev.runway.workflow.Limits;
import dev.runway.workflow.model.Call;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Step;
import dev.runway.workflow.model.Strategy;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.model.WorkflowCall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a GitHub Actions workflow file into a {@link Workflow}, reporting every problem as a {@link Diagnostic} with
 * file:line:column: errors for what cannot run (including features Runway does not support, named precisely),
 * warnings for keys it does not know. Never throws on bad input.
 */
public final class WorkflowParser {
    /** The workflow (null if it has errors) and every diagnostic. */
    public record Result(@Nullable Workflow workflow, List<Diagnostic> diagnostics) {
        public List<Diagnostic> errors() {
            return diagnostics.stream()
                    .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                    .toList();
        }

        public boolean ok() {
            return errors().isEmpty();
        }
    }

    static final Set<String> TOP_KEYS =
            Set.of("name", "run-name", "on", "env", "defaults", "jobs", "concurrency", "permissions");
    static final Set<String> JOB_KEYS = Set.of(
            "name",
            "needs",
            "runs-on",
            "if",
            "strategy",
            "timeout-minutes",
            "continue-on-error",
            "env",
            "outputs",
            "container",
            "services",
            "concurrency",
            "permissions",
            "defaults",
            "steps",
            "environment",
            "uses",
            "with",
            "secrets");
    /** Job keys of GitHub's schema that Runway does not act on (a warning; any other unknown key is an error). */
    static final Set<String> GITHUB_ONLY_JOB_KEYS = Set.of("cancel-timeout-minutes", "snapshot");

    static final Pattern ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,99}");

    /** Nesting GitHub accepts in a workflow document (collections inside the root). */
    public static final int DEFAULT_MAX_DEPTH = dev.runway.workflow.Limits.MAX_YAML_DEPTH;

    public static Result parse(String file, String text) {
        return parse(file, text, DEFAULT_MAX_DEPTH);
    }

    /**
     * How a parse reads a workflow. {@code callees} answers the text of a called workflow by its reference as
     * written ({@code ./.github/workflows/x.yml}, {@code owner/repo/.github/workflows/x.yml@ref}), or null when it
     * cannot be had; without it calls are checked for their form only. {@code maxNesting}: how deep calls may nest
     * (GitHub: 10); {@code maxJobs}: jobs in all, callees' counted; {@code permissionsPolicy}: the token's
     * permissions where a workflow names none ({@code Write} or {@code LimitedRead}); {@code maxParsedBytes}: the
     * parsed size, as GitHub counts it, of the workflow and all it calls ({@link ParsedSize}); {@code allowAnchors}:
     * whether YAML anchors and aliases are read (github.com reads them; GitHub's parser has the same switch, off by
     * default); {@code maxFileBytes}: the largest file, in UTF-8 bytes.
     */
    public record Options(
            int maxDepth,
            java.util.function.@Nullable Function<String, @Nullable String> callees,
            int maxNesting,
            int maxDistinctCallees,
            long maxJobs,
            String permissionsPolicy,
            long maxParsedBytes,
            boolean allowAnchors,
            long maxFileBytes) {
        public static final Options DEFAULT = new Options(
                DEFAULT_MAX_DEPTH,
                null,
                Limits.MAX_CALL_NESTING,
                Limits.MAX_CALLEES,
                Limits.MAX_JOBS_PER_RUN,
                "Write",
                Limits.MAX_PARSED_BYTES,
                true,
                Limits.MAX_FILE_BYTES);

        public Options withCallees(java.util.function.Function<String, @Nullable String> source) {
            return new Options(
                    maxDepth,
                    source,
                    maxNesting,
                    maxDistinctCallees,
                    maxJobs,
                    permissionsPolicy,
                    maxParsedBytes,
                    allowAnchors,
                    maxFileBytes);
        }

        public Options withMaxDepth(int depth) {
            return new Options(
                    depth,
                    callees,
                    maxNesting,
                    maxDistinctCallees,
                    maxJobs,
                    permissionsPolicy,
                    maxParsedBytes,
                    allowAnchors,
                    maxFileBytes);
        }

        public Options withLimits(int nesting, long jobs, String policy) {
            return new Options(
                    maxDepth,
                    callees,
                    nesting,
                    maxDistinctCallees,
                    jobs,
                    policy,
                    maxParsedBytes,
                    allowAnchors,
                    maxFileBytes);
        }

        /** The limits on what one file may be: its size in bytes, and its parsed size as GitHub counts it. */
        public Options withSizes(long fileBytes, long parsedBytes) {
            return new Options(
                    maxDepth,
                    callees,
                    maxNesting,
                    maxDistinctCallees,
                    maxJobs,
                    permissionsPolicy,
                    parsedBytes,
                    allowAnchors,
                    fileBytes);
        }

        public Options withAnchors(boolean allowed) {
            return new Options(
                    maxDepth,
                    callees,
                    maxNesting,
                    maxDistinctCallees,
                    maxJobs,
                    permissionsPolicy,
                    maxParsedBytes,
                    allowed,
                    maxFileBytes);
        }
    }

    /** The calls that led to a parse: references from the top file down, and every distinct callee so far. */
    private record Chain(List<String> refs, Set<String> distinct, Map<String, Integer> allowed, ParsedSize size) {}

    public static Result parse(String file, String text, Options options) {
        return parse(
                file,
                text,
                options,
                new Chain(
                        List.of(),
                        new HashSet<>(),
                        PermissionLevels.policy(options.permissionsPolicy()),
                        new ParsedSize(options.maxParsedBytes())));
    }

    /** As {@link #parse(String, String)} with another nesting limit. */
    public static Result parse(String file, String text, int maxDepth) {
        return parse(file, text, Options.DEFAULT.withMaxDepth(maxDepth));
    }

    private static Result parse(String file, String text, Options options, Chain chain) {
        Session s = new Session(file, chain.size());
        Workflow w = null;
        try {
            Node root = Yaml.compose(text, s, options.maxDepth(), options.allowAnchors(), options.maxFileBytes());
            if (root == null && !s.hasErrors())
                s.error(1, 1, "the file is empty; expected a mapping with 'on' and 'jobs'");
            Node over = root == null ? null : chain.size().addDocument(file, root);
            if (over != null) s.error(over, tooLarge(chain));
            else if (root != null) w = new WorkflowParser(s, options, chain).workflow(root);
        } catch (StackOverflowError e) {
            // the limits above should make this unreachable; if one is missed, still a diagnostic, not a crash
            s.error(1, 1, "the workflow is nested too deeply to read");
        } catch (RuntimeException e) {
            // a bug must still not become a stack trace for the user
            s.error(1, 1, "internal error while reading the workflow: " + e);
            if (Boolean.getBoolean("runway.debug")) e.printStackTrace();
        }
        return new Result(s.hasErrors() ? null : w, List.copyOf(s.diagnostics));
    }

    /** The error where the parsed size went over its limit (GitHub's message first). */
    private static String tooLarge(Chain chain) {
        String what = chain.refs().isEmpty() ? "the workflow" : "this workflow with the ones that call it";
        return "Maximum object size exceeded: " + ParsedSize.overMessage(chain.size(), what)
                + "; this value takes it over the limit";
    }

    private final Session s;
    private final Fields f;
    private final Options options;
    private final Chain chain;
    /** The workflow-level permissions, as levels, while its jobs are read (null: it names none). */
    private @Nullable Map<String, Integer> workflowPermissions;

    private WorkflowParser(Session s, Options options, Chain chain) {
        this.s = s;
        this.f = new Fields(s);
        this.options = options;
        this.chain = chain;
    }

    private @Nullable Workflow workflow(Node root) {
        // anchors and aliases are accepted: GitHub supports them, and real workflows use them
        if (!(root instanceof MappingNode)) {
            s.error(root, "a workflow must be a mapping with 'on' and 'jobs'");
            return null;
        }
        Map<String, Node> top = f.mapping(root, TOP_KEYS, false, "workflow");
        if (!top.containsKey("on")) s.error(root, "Required property is missing: on");
        Node jobsNode = top.get("jobs");
        if (jobsNode == null) {
            s.error(root, "Required property is missing: jobs");
            return null;
        }
        Node nameNode = top.get("name");
        String name = f.scalar(nameNode);
        if (nameNode != null && name != null && name.contains("${{"))
            s.error(nameNode, "A template expression is not allowed in this context");
        f.scalar(top.get("run-name"));
        if (top.containsKey("run-name"))
            ExpressionCheck.template(top.get("run-name"), Fields.string(top.get("run-name")), s);
        Map<String, Object> on = new TriggerReader(f).triggers(top.get("on"));
        Map<String, String> env = f.stringMap(top.get("env"));
        Map<String, String> defaultsRun = defaults(top.get("defaults"), Shells.WORKFLOW_DEFAULTS_CONTEXTS);
        Object concurrency = concurrency(top.get("concurrency"), WORKFLOW_CONCURRENCY_CONTEXTS);
        Permissions.check(top.get("permissions"), s);
        Object permissions = top.containsKey("permissions") ? Yaml.toData(top.get("permissions")) : null;
        workflowPermissions = PermissionLevels.of(permissions, null);
        WorkflowCall workflowCall = workflowCall(top.get("on"));

        Map<String, Job> jobs = new LinkedHashMap<>();
        Map<String, Node> jobNodes = new LinkedHashMap<>();
        Node firstJobKey = null;
        if (jobsNode instanceof ScalarNode js && js.getValue().contains("${{")) {
            s.error(jobsNode, "A template expression is not allowed in this context");
            return null;
        }
        if (!(jobsNode instanceof MappingNode) || Yaml.entries(jobsNode).isEmpty()) {
            s.error(jobsNode, "'jobs' must be a mapping of job ids to jobs, with at least one job");
            return null;
        }
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : Yaml.entries(jobsNode)) {
            String id = Yaml.scalar(t.getKeyNode());
            if (id == null || id.isEmpty()) {
                s.error(t.getKeyNode(), "a job id must be a non-empty string");
                continue;
            }
            if (!seen.add(id.toLowerCase(Locale.ROOT))) {
                s.error(t.getKeyNode(), "'" + id + "' is already defined");
                continue;
            }
            if (id.startsWith("__")) {
                s.error(t.getKeyNode(), "The identifier '" + id + "' is invalid. IDs starting with '__' are reserved.");
                continue;
            }
            if (!ID.matcher(id).matches()) {
                s.error(
                        t.getKeyNode(),
                        "The identifier '" + id
                                + "' is invalid. IDs may only contain alphanumeric characters, '_', and '-'."
                                + " IDs must start with a letter or '_' and and must be less than 100 characters.");
                continue;
            }
            Job j = job(id, t.getKeyNode(), t.getValueNode());
            if (j != null) {
                jobs.put(id, j);
                jobNodes.put(id, t.getValueNode());
                if (firstJobKey == null) firstJobKey = t.getKeyNode();
            }
        }
        long total = jobs.values().stream().mapToLong(WorkflowParser::count).sum();
        if (chain.refs().isEmpty() && total > options.maxJobs()) {
            // checked before the needs graph is walked, which is as deep as the longest chain of jobs
            s.error(
                    jobsNode,
                    "The workflow may not contain more than " + options.maxJobs() + " jobs: it has " + total
                            + ", counting every matrix combination"
                            + (jobs.values().stream().anyMatch(Job::calls)
                                    ? " and the jobs of the workflows it calls"
                                    : "")
                            + " (at most " + options.maxJobs() + " jobs may run in one workflow run)");
            return null;
        }
        List<String> order = JobGraph.order(jobs, jobNodes, firstJobKey, s);
        return new Workflow(
                s.file(),
                name,
                Fields.string(top.get("run-name")),
                on,
                env,
                defaultsRun,
                concurrency,
                permissions,
                jobs,
                order,
                workflowCall);
    }

    /** {@code on.workflow_call}'s declarations, or null when the workflow cannot be called. */
    private @Nullable WorkflowCall workflowCall(@Nullable Node on) {
        if (on instanceof ScalarNode sc) return "workflow_call".equals(sc.getValue()) ? WorkflowCall.NONE : null;
        for (Node i : on instanceof SequenceNode ? Yaml.items(on) : List.<Node>of())
            if ("workflow_call".equals(Yaml.scalar(i))) return WorkflowCall.NONE;
        for (NodeTuple t : Yaml.entries(on instanceof MappingNode ? on : null))
            if ("workflow_call".equals(Yaml.scalar(t.getKeyNode()))) return new Calls(f).declaration(t.getValueNode());
        return null;
    }

    /** The jobs a workflow job counts for: its matrix legs, or for a call every job of the callee. */
    static long count(Job j) {
        Call c = j.call();
        if (c == null) return legs(j);
        Workflow callee = c.callee();
        return callee == null
                ? 1
                : 1
                        + callee.jobs().values().stream()
                                .mapToLong(WorkflowParser::count)
                                .sum();
    }

    /** The jobs a workflow job becomes: its matrix combinations, at least one (a matrix known only at run time). */
    public static long legs(Job j) {
        return j.strategy() == null || j.strategy().combinations() == null
                ? 1
                : Math.max(1, j.strategy().combinations().size());
    }

    private @Nullable Job job(String id, Node key, Node n) {
        if (!(n instanceof MappingNode)) {
            s.error(n, "job '" + id + "' must be a mapping with 'runs-on' and 'steps'");
            return null;
        }
        Map<String, Node> k = f.mapping(n, JOB_KEYS, GITHUB_ONLY_JOB_KEYS, "job '" + id + "'");
        if (k.containsKey("uses")) return caller(id, key, n, k);
        if (!k.containsKey("runs-on")) s.error(n, "Required property is missing: runs-on");
        if (!k.containsKey("steps"))
            s.warning(n, "job '" + id + "' has no steps; it will succeed without doing anything");
        List<String> needs = new ArrayList<>();
        Node needsNode = k.get("needs");
        if (needsNode instanceof ScalarNode sc) needs.add(sc.getValue());
        else for (Node i : Yaml.items(needsNode)) needs.add(Yaml.scalar(i));
        List<String> runsOn = runsOn(k.get("runs-on"));
        String ifc = Fields.string(k.get("if"));
        if (k.containsKey("if")) ExpressionCheck.condition(k.get("if"), ifc, s, JOB_IF_CONTEXTS);
        Strategy strategy = new StrategyReader(f).strategy(k.get("strategy"));
        Integer timeout = f.timeoutSeconds(k.get("timeout-minutes"));
        String coe = Fields.string(k.get("continue-on-error"));
        ExpressionCheck.booleanOrExpression(k.get("continue-on-error"), coe, s, "continue-on-error");
        Map<String, String> env = f.stringMap(k.get("env"));
        Map<String, String> outputs = f.stringMap(k.get("outputs"));
        Object container = container(k.get("container"));
        f.checkTemplates(k.get("container"));
        @SuppressWarnings("unchecked")
        Map<String, Object> services = k.containsKey("services") && k.get("services") instanceof MappingNode
                ? (Map<String, Object>) Yaml.toData(k.get("services"))
                : Map.of();
        if (k.containsKey("services") && !(k.get("services") instanceof MappingNode) && !Yaml.isNull(k.get("services")))
            s.error(
                    k.get("services"),
                    "services must be a mapping of names to containers (e.g. redis: {image: redis})");
        for (NodeTuple t : Yaml.entries(k.get("services"))) container(t.getValueNode());
        f.checkTemplates(k.get("services"));
        Object concurrency = concurrency(k.get("concurrency"), JOB_CONCURRENCY_CONTEXTS);
        Permissions.check(k.get("permissions"), s);
        Object permissions = k.containsKey("permissions") ? Yaml.toData(k.get("permissions")) : null;
        environment(k.get("environment"));
        Object environment = Yaml.isNull(k.get("environment")) ? null : Yaml.toData(k.get("environment"));
        List<Step> steps = new StepReader(f).steps(id, k.get("steps"));
        return new Job(
                id,
                Fields.string(k.get("name")),
                needs,
                runsOn,
                ifc,
                strategy,
                timeout,
                coe,
                env,
                outputs,
                container,
                services,
                concurrency,
                permissions,
                defaults(k.get("defaults"), Shells.JOB_DEFAULTS_CONTEXTS),
                steps,
                Yaml.line(n),
                null,
                environment);
    }

    /**
     * A job that calls a reusable workflow: the keys a caller may have, the call's form, and, when the callee can
     * be read, the call checked against it and the callee parsed in turn (its diagnostics are reported as its own).
     */
    private @Nullable Job caller(String id, Node key, Node n, Map<String, Node> k) {
        for (NodeTuple t : Yaml.entries(n)) {
            String name = Yaml.scalar(t.getKeyNode());
            if (name != null && JOB_KEYS.contains(name) && !Calls.CALLER_KEYS.contains(name))
                s.error(
                        t.getKeyNode(),
                        "Unexpected value '" + name + "' (a job that calls a reusable workflow takes only "
                                + String.join(", ", new java.util.TreeSet<>(Calls.CALLER_KEYS)) + ")");
        }
        Calls calls = new Calls(f);
        Calls.Written w = calls.caller(id, k);
        List<String> needs = new ArrayList<>();
        Node needsNode = k.get("needs");
        if (needsNode instanceof ScalarNode sc) needs.add(sc.getValue());
        else for (Node i : Yaml.items(needsNode)) needs.add(Yaml.scalar(i));
        String ifc = Fields.string(k.get("if"));
        if (k.containsKey("if")) ExpressionCheck.condition(k.get("if"), ifc, s, JOB_IF_CONTEXTS);
        Strategy strategy = new StrategyReader(f).strategy(k.get("strategy"));
        Object concurrency = concurrency(k.get("concurrency"), JOB_CONCURRENCY_CONTEXTS);
        Permissions.check(k.get("permissions"), s);
        Object permissions = k.containsKey("permissions") ? Yaml.toData(k.get("permissions")) : null;
        Workflow callee = callee(key, w, permissions);
        Call call = new Call(
                w.call().uses(),
                w.call().with(),
                w.call().inheritSecrets(),
                w.call().secrets(),
                callee);
        return new Job(
                id,
                Fields.string(k.get("name")),
                needs,
                List.of(),
                ifc,
                strategy,
                null,
                null,
                Map.of(),
                Map.of(),
                null,
                Map.of(),
                concurrency,
                permissions,
                Map.of(),
                List.of(),
                Yaml.line(n),
                call,
                null);
    }

    /** The called workflow, read, parsed and checked; null when it cannot be read (no source, or not found). */
    private @Nullable Workflow callee(Node key, Calls.Written w, @Nullable Object callerPermissions) {
        var source = options.callees();
        String ref = w.call().uses();
        if (source == null || ref.isEmpty()) return null;
        int depth = chain.refs().size() + 1;
        if (depth > options.maxNesting()) {
            s.error(
                    w.usesNode(),
                    "Nested reusable workflow depth exceeded " + options.maxNesting() + ". (calls: "
                            + String.join(" → ", chain.refs()) + " → " + ref + ")");
            return null;
        }
        if (chain.distinct().add(ref) && chain.distinct().size() > options.maxDistinctCallees()) {
            s.error(
                    w.usesNode(),
                    "a workflow run may call at most " + options.maxDistinctCallees()
                            + " distinct reusable workflows; '" + ref + "' is one more");
            return null;
        }
        if (chain.refs().contains(ref)) {
            s.error(w.usesNode(), "'" + ref + "' calls itself: " + String.join(" → ", chain.refs()) + " → " + ref);
            return null;
        }
        String text = source.apply(ref);
        if (text == null) {
            s.warning(w.usesNode(), "cannot read the called workflow '" + ref + "' here; the call is not checked");
            return null;
        }
        Map<String, Integer> allowed = PermissionLevels.of(
                callerPermissions, workflowPermissions != null ? workflowPermissions : chain.allowed());
        List<String> refs = new ArrayList<>(chain.refs());
        refs.add(ref);
        boolean wasOver = chain.size().over();
        Result r = parse(
                ref,
                text,
                options,
                new Chain(
                        List.copyOf(refs),
                        chain.distinct(),
                        allowed == null ? chain.allowed() : allowed,
                        chain.size()));
        s.diagnostics.addAll(r.diagnostics());
        if (!wasOver && chain.size().over()) {
            // as on GitHub, where the size is one count for the caller and its callees: reported at the call
            s.error(
                    w.usesNode(),
                    "Error from called workflow " + ref + ": Maximum object size exceeded ("
                            + ParsedSize.overMessage(chain.size(), "the workflow and the workflows it calls") + ")");
            return null;
        }
        Workflow callee = r.workflow();
        if (callee == null) {
            if (r.errors().isEmpty()) s.error(w.usesNode(), "the called workflow '" + ref + "' cannot be read");
            return null;
        }
        new Calls(f).check(w, callee);
        new Calls(f).checkPermissions(key, ref, callee, allowed == null ? chain.allowed() : allowed);
        return callee;
    }

    /** What GitHub makes available to a job's {@code if:} (no env, matrix or steps yet). */
    static final Set<String> JOB_IF_CONTEXTS = Set.of("github", "needs", "vars", "inputs");

    /** {@code environment:} is a name, or {@code {name, url}} with the name required. */
    private void environment(@Nullable Node n) {
        if (n == null || n instanceof ScalarNode) return;
        Map<String, Node> k = f.mapping(n, Set.of("name", "url"), true, "environment");
        if (!k.containsKey("name")) s.error(n, "Required property is missing: name");
        f.checkTemplates(n);
    }

    static final Set<String> CONTAINER_KEYS = Set.of("image", "credentials", "env", "ports", "volumes", "options");

    /** {@code container:} is an image name or a mapping; the same shape serves each entry of {@code services:}. */
    private @Nullable Object container(@Nullable Node n) {
        if (n == null) return null;
        if (n instanceof ScalarNode sc) {
            if (!sc.getValue().contains("${{") && sc.getValue().isBlank())
                s.error(n, "Container image cannot be empty");
            return sc.getValue();
        }
        Map<String, Node> k = f.mapping(n, CONTAINER_KEYS, true, "container");
        String image = Fields.string(k.get("image"));
        if (image == null || image.isBlank()) s.error(k.getOrDefault("image", n), "Container image cannot be empty");
        if (k.get("env") != null) f.stringMap(k.get("env"));
        if (k.get("credentials") != null)
            f.mapping(k.get("credentials"), Set.of("username", "password"), true, "credentials");
        return Yaml.toData(n);
    }

    private List<String> runsOn(@Nullable Node n) {
        List<String> out = new ArrayList<>();
        if (n == null) return out;
        if (n instanceof ScalarNode sc) {
            f.checkTemplate(n);
            out.add(sc.getValue());
        } else if (n instanceof SequenceNode) {
            for (Node i : Yaml.items(n)) out.add(Yaml.scalar(i));
        } else {
            Map<String, Node> k = f.mapping(n, Set.of("group", "labels"), true, "runs-on");
            if (k.containsKey("group")) {
                String g = Fields.string(k.get("group"));
                if (g != null && g.contains("/") && !g.contains("${{")) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                    "(organization|enterprise|org|ent)/(.*)")
                            .matcher(g);
                    if (!m.matches() || m.group(2).isEmpty() || m.group(2).contains("/")) {
                        s.error(
                                k.get("group"),
                                m.matches() && m.group(2).isEmpty()
                                        ? "Invalid runs-on group name '" + g + "'."
                                        : "Invalid runs-on group name '" + g + "'. Please use 'organization/' or"
                                                + " 'enterprise/' prefix to target a single runner group.");
                    }
                }
                s.warning(k.get("group"), "runner groups are not used by Runway; only 'labels' select runners");
            }
            Node labels = k.get("labels");
            if (labels instanceof ScalarNode sc) out.add(sc.getValue());
            else for (Node i : Yaml.items(labels)) out.add(Yaml.scalar(i));
        }
        return out;
    }

    private Map<String, String> defaults(@Nullable Node n, Set<String> shellContexts) {
        if (n == null) return Map.of();
        Map<String, Node> k = f.mapping(n, Set.of("run"), true, "defaults");
        Map<String, Node> run = k.get("run") == null
                ? Map.of()
                : f.mapping(k.get("run"), Set.of("shell", "working-directory"), true, "defaults.run");
        Map<String, String> out = new LinkedHashMap<>();
        run.forEach((key, v) -> out.put(key, Fields.string(v)));
        Shells.check(run.get("shell"), out.get("shell"), s, shellContexts);
        f.checkTemplate(run.get("working-directory"));
        return out;
    }

    /** The contexts GitHub makes available to {@code concurrency} (no secrets, and no matrix at workflow level). */
    static final Set<String> WORKFLOW_CONCURRENCY_CONTEXTS = Set.of("github", "inputs", "vars");

    static final Set<String> JOB_CONCURRENCY_CONTEXTS =
            Set.of("github", "inputs", "vars", "needs", "strategy", "matrix");

    private @Nullable Object concurrency(@Nullable Node n, Set<String> contexts) {
        if (n == null) return null;
        if (n instanceof ScalarNode sc) {
            ExpressionCheck.template(n, sc.getValue(), s, contexts);
            return Yaml.toData(n);
        }
        Map<String, Node> k = f.mapping(n, Set.of("group", "cancel-in-progress"), true, "concurrency");
        if (!k.containsKey("group")) s.error(n, "Required property is missing: group");
        for (Node v : k.values()) {
            if (v instanceof ScalarNode sc) ExpressionCheck.template(v, sc.getValue(), s, contexts);
        }
        return Yaml.toData(n);
    }
}
