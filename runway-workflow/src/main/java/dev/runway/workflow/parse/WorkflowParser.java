package dev.runway.workflow.parse;

import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Step;
import dev.runway.workflow.model.Strategy;
import dev.runway.workflow.model.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
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
  public record Result(Workflow workflow, List<Diagnostic> diagnostics) {
    public List<Diagnostic> errors() {
      return diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
    }

    public boolean ok() {
      return errors().isEmpty();
    }
  }

  static final Set<String> TOP_KEYS = Set.of("name", "run-name", "on", "env", "defaults", "jobs", "concurrency", "permissions");
  static final Set<String> JOB_KEYS = Set.of("name", "needs", "runs-on", "if", "strategy", "timeout-minutes", "continue-on-error",
      "env", "outputs", "container", "services", "concurrency", "permissions", "defaults", "steps", "environment", "uses", "with", "secrets");
  static final Set<String> STEP_KEYS = Set.of("id", "name", "if", "run", "shell", "working-directory", "env", "continue-on-error",
      "timeout-minutes", "uses", "with");
  static final Set<String> SHELLS = Set.of("bash", "sh", "python");
  static final Set<String> EVENTS = Set.of("branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment",
      "deployment_status", "discussion", "discussion_comment", "fork", "gollum", "issue_comment", "issues", "label", "merge_group",
      "milestone", "page_build", "project", "project_card", "project_column", "public", "pull_request", "pull_request_review",
      "pull_request_review_comment", "pull_request_target", "push", "registry_package", "release", "repository_dispatch",
      "schedule", "status", "watch", "workflow_call", "workflow_dispatch", "workflow_run", "image_version");
  static final Pattern ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,99}");

  public static Result parse(String file, String text) {
    Session s = new Session(file);
    Workflow w = null;
    try {
      Node root = Yaml.compose(text, s);
      if (root == null && !s.hasErrors()) s.error(1, 1, "the file is empty; expected a mapping with 'on' and 'jobs'");
      if (root != null) w = new WorkflowParser(s).workflow(root);
    } catch (RuntimeException e) {
      // a bug must still not become a stack trace for the user
      s.error(1, 1, "internal error while reading the workflow: " + e);
      if (Boolean.getBoolean("runway.debug")) e.printStackTrace();
    }
    return new Result(s.hasErrors() ? null : w, List.copyOf(s.diagnostics));
  }

  private final Session s;

  private WorkflowParser(Session s) {
    this.s = s;
  }

  private Workflow workflow(Node root) {
    // anchors and aliases are accepted: GitHub supports them, and real workflows use them
    if (!(root instanceof MappingNode)) {
      s.error(root, "a workflow must be a mapping with 'on' and 'jobs'");
      return null;
    }
    Map<String, Node> top = mapping(root, TOP_KEYS, false, "workflow");
    if (!top.containsKey("on")) s.error(root, "Required property is missing: on");
    Node jobsNode = top.get("jobs");
    if (jobsNode == null) {
      s.error(root, "Required property is missing: jobs");
      return null;
    }
    String name = string(top.get("name"));
    if (top.containsKey("run-name")) ExpressionCheck.template(top.get("run-name"), string(top.get("run-name")), s);
    Map<String, Object> on = triggers(top.get("on"));
    Map<String, String> env = stringMap(top.get("env"));
    Map<String, String> defaultsRun = defaults(top.get("defaults"));
    Object concurrency = concurrency(top.get("concurrency"));
    Object permissions = top.containsKey("permissions") ? Yaml.toData(top.get("permissions")) : null;

    Map<String, Job> jobs = new LinkedHashMap<>();
    Map<String, Node> jobNodes = new LinkedHashMap<>();
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
        s.error(t.getKeyNode(), "The identifier '" + id + "' is invalid. IDs may only contain alphanumeric characters, '_', and '-'."
            + " IDs must start with a letter or '_' and and must be less than 100 characters.");
        continue;
      }
      Job j = job(id, t.getValueNode());
      if (j != null) {
        jobs.put(id, j);
        jobNodes.put(id, t.getValueNode());
      }
    }
    List<String> order = JobGraph.order(jobs, jobNodes, s);
    return new Workflow(s.file(), name, string(top.get("run-name")), on, env, defaultsRun, concurrency, permissions, jobs, order);
  }

  private Job job(String id, Node n) {
    if (!(n instanceof MappingNode)) {
      s.error(n, "job '" + id + "' must be a mapping with 'runs-on' and 'steps'");
      return null;
    }
    Map<String, Node> k = mapping(n, JOB_KEYS, false, "job '" + id + "'");
    if (k.containsKey("uses")) {
      s.error(k.get("uses"), "not supported by Runway: calling a reusable workflow (jobs." + id + ".uses); inline its jobs instead");
      return null;
    }
    if (!k.containsKey("runs-on")) s.error(n, "Required property is missing: runs-on");
    if (!k.containsKey("steps")) s.warning(n, "job '" + id + "' has no steps; it will succeed without doing anything");
    List<String> needs = new ArrayList<>();
    Node needsNode = k.get("needs");
    if (needsNode instanceof ScalarNode sc) needs.add(sc.getValue());
    else for (Node i : Yaml.items(needsNode)) needs.add(Yaml.scalar(i));
    List<String> runsOn = runsOn(k.get("runs-on"));
    String ifc = string(k.get("if"));
    if (k.containsKey("if")) ExpressionCheck.condition(k.get("if"), ifc, s);
    Strategy strategy = strategy(k.get("strategy"));
    Integer timeout = minutes(k.get("timeout-minutes"));
    String coe = string(k.get("continue-on-error"));
    checkTemplate(k.get("continue-on-error"));
    Map<String, String> env = stringMap(k.get("env"));
    Map<String, String> outputs = stringMap(k.get("outputs"));
    Object container = container(k.get("container"));
    checkTemplates(k.get("container"));
    @SuppressWarnings("unchecked")
    Map<String, Object> services = k.containsKey("services") && k.get("services") instanceof MappingNode
        ? (Map<String, Object>) Yaml.toData(k.get("services")) : Map.of();
    for (NodeTuple t : Yaml.entries(k.get("services"))) container(t.getValueNode());
    checkTemplates(k.get("services"));
    Object concurrency = concurrency(k.get("concurrency"));
    Object permissions = k.containsKey("permissions") ? Yaml.toData(k.get("permissions")) : null;
    if (k.containsKey("environment")) s.warning(k.get("environment"), "'environment' is parsed but not acted on by Runway (no deployment protection rules)");
    List<Step> steps = steps(id, k.get("steps"));
    return new Job(id, string(k.get("name")), needs, runsOn, ifc, strategy, timeout, coe, env, outputs, container, services,
        concurrency, permissions, defaults(k.get("defaults")), steps, Yaml.line(n));
  }

  private List<Step> steps(String jobId, Node n) {
    List<Step> out = new ArrayList<>();
    if (n == null) return out;
    if (!(n instanceof SequenceNode) || Yaml.items(n).isEmpty()) {
      s.error(n, "'steps' of job '" + jobId + "' must be a list with at least one step");
      return out;
    }
    Set<String> ids = new HashSet<>();
    int index = 0;
    for (Node sn : Yaml.items(n)) {
      index++;
      if (!(sn instanceof MappingNode)) {
        s.error(sn, "step " + index + " of job '" + jobId + "' must be a mapping with 'run' or 'uses'");
        continue;
      }
      Map<String, Node> k = mapping(sn, STEP_KEYS, false, "step");
      String id = string(k.get("id"));
      if (id != null) {
        if (id.startsWith("__")) {
          s.error(k.get("id"), "The identifier '" + id + "' is invalid. IDs starting with '__' are reserved.");
        } else if (!ID.matcher(id).matches()) {
          s.error(k.get("id"), "The identifier '" + id + "' is invalid. IDs may only contain alphanumeric characters, '_', and '-'."
              + " IDs must start with a letter or '_' and and must be less than 100 characters.");
        } else if (!ids.add(id.toLowerCase(Locale.ROOT))) {
          s.error(k.get("id"), "The identifier '" + id + "' may not be used more than once within the same scope.");
        }
      }
      String run = string(k.get("run"));
      String uses = string(k.get("uses"));
      if (run != null && uses != null) s.error(sn, "a step has either 'run' or 'uses', not both");
      if (run == null && uses == null) {
        List<String> other = Yaml.entries(sn).stream().map(t -> Yaml.scalar(t.getKeyNode())).filter(x -> x != null && !STEP_KEYS.contains(x)).toList();
        s.error(sn, other.isEmpty() ? "a step needs 'run' (a script) or 'uses' (an action)"
            : "not supported by Runway: steps with " + other + " (Runway runs steps with 'run' or 'uses')");
      }
      String shell = string(k.get("shell"));
      if (shell != null && !SHELLS.contains(shell) && !shell.contains("{0}")) {
        s.error(k.get("shell"), "not supported by Runway: shell '" + shell + "' (supported: bash, sh, python, or a command with {0})");
      }
      checkTemplate(k.get("run"));
      checkTemplate(k.get("name"));
      checkTemplate(k.get("working-directory"));
      if (k.containsKey("if")) ExpressionCheck.condition(k.get("if"), string(k.get("if")), s);
      out.add(new Step(id, string(k.get("name")), string(k.get("if")), run, shell, string(k.get("working-directory")),
          stringMap(k.get("env")), string(k.get("continue-on-error")), minutes(k.get("timeout-minutes")), uses,
          stringMap(k.get("with")), Yaml.line(sn)));
    }
    return out;
  }

  private Strategy strategy(Node n) {
    if (n == null) return null;
    Map<String, Node> k = mapping(n, Set.of("matrix", "fail-fast", "max-parallel"), true, "strategy");
    boolean failFast = !"false".equals(string(k.get("fail-fast")));
    Integer maxParallel = null;
    String mp = string(k.get("max-parallel"));
    if (mp != null && !mp.contains("${{")) {
      try {
        maxParallel = Integer.parseInt(mp);
        if (maxParallel < 1) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        s.error(k.get("max-parallel"), "max-parallel must be a positive whole number, not '" + mp + "'");
      }
    }
    Node m = k.get("matrix");
    if (m == null) return new Strategy(List.of(Map.of()), null, failFast, maxParallel);
    if (m instanceof ScalarNode sc) {
      ExpressionCheck.template(m, sc.getValue(), s);
      if (!sc.getValue().contains("${{")) s.error(m, "a matrix must be a mapping of names to lists, or an expression");
      return new Strategy(null, sc.getValue(), failFast, maxParallel);
    }
    Map<String, List<Object>> axes = new LinkedHashMap<>();
    List<Map<String, Object>> include = new ArrayList<>();
    List<Map<String, Object>> exclude = new ArrayList<>();
    boolean dynamic = false;
    for (NodeTuple t : Yaml.entries(m)) {
      String key = Yaml.scalar(t.getKeyNode());
      Node v = t.getValueNode();
      if ("include".equals(key) || "exclude".equals(key)) {
        if (v instanceof ScalarNode sv && sv.getValue().contains("${{")) {
          dynamic = true;
          ExpressionCheck.template(v, sv.getValue(), s);
          continue;
        }
        if (!(v instanceof SequenceNode)) {
          s.error(v, "matrix '" + key + "' must be a list of mappings");
          continue;
        }
        for (Node i : Yaml.items(v)) {
          if (!(i instanceof MappingNode)) {
            s.error(i, "each matrix '" + key + "' entry must be a mapping");
            continue;
          }
          @SuppressWarnings("unchecked")
          Map<String, Object> entry = (Map<String, Object>) Yaml.toData(i);
          ("include".equals(key) ? include : exclude).add(entry);
        }
      } else if (v instanceof SequenceNode) {
        List<Object> values = new ArrayList<>();
        for (Node i : Yaml.items(v)) values.add(Yaml.toData(i));
        if (values.isEmpty()) s.error(v, "matrix '" + key + "' has no values");
        axes.put(key, values);
      } else if (v instanceof ScalarNode sv && sv.getValue().contains("${{")) {
        dynamic = true;
        ExpressionCheck.template(v, sv.getValue(), s);
      } else {
        s.error(v, "matrix '" + key + "' must be a list of values (or an expression)");
      }
    }
    if (dynamic) return new Strategy(null, "dynamic", failFast, maxParallel);
    List<Map<String, Object>> combos = MatrixExpander.expand(axes, include, exclude);
    if (combos.isEmpty()) s.error(m, "the matrix expands to no combinations (every combination is excluded)");
    if (combos.size() > 256) s.error(m, "the matrix expands to " + combos.size() + " combinations; at most 256 are allowed");
    return new Strategy(combos, null, failFast, maxParallel);
  }

  static final Set<String> CONTAINER_KEYS = Set.of("image", "credentials", "env", "ports", "volumes", "options");

  /** {@code container:} is an image name or a mapping; the same shape serves each entry of {@code services:}. */
  private Object container(Node n) {
    if (n == null) return null;
    if (n instanceof ScalarNode sc) {
      if (!sc.getValue().contains("${{") && sc.getValue().isBlank()) s.error(n, "Container image cannot be empty");
      return sc.getValue();
    }
    Map<String, Node> k = mapping(n, CONTAINER_KEYS, true, "container");
    String image = string(k.get("image"));
    if (image == null || image.isBlank()) s.error(k.getOrDefault("image", n), "Container image cannot be empty");
    if (k.get("env") != null) stringMap(k.get("env"));
    if (k.get("credentials") != null) mapping(k.get("credentials"), Set.of("username", "password"), true, "credentials");
    return Yaml.toData(n);
  }

  private Map<String, Object> triggers(Node n) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (n == null) return out;
    if (n instanceof ScalarNode sc) {
      event(n, sc.getValue());
      out.put(sc.getValue(), null);
    } else if (n instanceof SequenceNode) {
      for (Node i : Yaml.items(n)) {
        String e = Yaml.scalar(i);
        event(i, e);
        out.put(e, null);
      }
    } else {
      for (NodeTuple t : Yaml.entries(n)) {
        String e = Yaml.scalar(t.getKeyNode());
        event(t.getKeyNode(), e);
        if ("workflow_call".equals(e)) {
          s.warning(t.getKeyNode(), "not supported by Runway: 'workflow_call' (this workflow cannot be called as a reusable workflow)");
        }
        if ("schedule".equals(e)) {
          for (Node c : Yaml.items(t.getValueNode())) {
            String cron = string(Yaml.entries(c).stream().filter(x -> "cron".equals(Yaml.scalar(x.getKeyNode())))
                .map(NodeTuple::getValueNode).findFirst().orElse(null));
            if (cron == null || cron.trim().split("\\s+").length != 5) s.error(c, "a schedule needs 'cron' with five fields, e.g. '0 3 * * 1'");
          }
        }
        out.put(e, Yaml.toData(t.getValueNode()));
      }
    }
    return out;
  }

  private void event(Node at, String e) {
    if (e == null || !EVENTS.contains(e)) s.warning(at, "unknown event '" + e + "' (Runway knows GitHub's events, e.g. push, pull_request, workflow_dispatch, schedule)");
  }

  private List<String> runsOn(Node n) {
    List<String> out = new ArrayList<>();
    if (n == null) return out;
    if (n instanceof ScalarNode sc) {
      checkTemplate(n);
      out.add(sc.getValue());
    } else if (n instanceof SequenceNode) {
      for (Node i : Yaml.items(n)) out.add(Yaml.scalar(i));
    } else {
      Map<String, Node> k = mapping(n, Set.of("group", "labels"), true, "runs-on");
      if (k.containsKey("group")) s.warning(k.get("group"), "runner groups are not used by Runway; only 'labels' select runners");
      Node labels = k.get("labels");
      if (labels instanceof ScalarNode sc) out.add(sc.getValue());
      else for (Node i : Yaml.items(labels)) out.add(Yaml.scalar(i));
    }
    return out;
  }

  private Map<String, String> defaults(Node n) {
    if (n == null) return Map.of();
    Map<String, Node> k = mapping(n, Set.of("run"), true, "defaults");
    Map<String, Node> run = k.get("run") == null ? Map.of() : mapping(k.get("run"), Set.of("shell", "working-directory"), true, "defaults.run");
    Map<String, String> out = new LinkedHashMap<>();
    run.forEach((key, v) -> out.put(key, string(v)));
    return out;
  }

  private Object concurrency(Node n) {
    if (n == null) return null;
    if (n instanceof ScalarNode) {
      checkTemplate(n);
      return Yaml.toData(n);
    }
    Map<String, Node> k = mapping(n, Set.of("group", "cancel-in-progress"), true, "concurrency");
    if (!k.containsKey("group")) s.error(n, "Required property is missing: group");
    checkTemplates(n);
    return Yaml.toData(n);
  }

  private Integer minutes(Node n) {
    String v = string(n);
    if (v == null || v.contains("${{")) {
      checkTemplate(n);
      return null;
    }
    try {
      double d = Double.parseDouble(v);
      if (d <= 0) s.warning(n, "timeout-minutes " + v + " is not positive; the default timeout applies");
      return d <= 0 ? null : (int) Math.min(Integer.MAX_VALUE, Math.ceil(d));
    } catch (NumberFormatException e) {
      s.error(n, "timeout-minutes must be a positive number, not '" + v + "'");
      return null;
    }
  }

  /** Keys of a mapping; unknown ones are warnings ({@code closed} false) or errors ({@code closed} true). */
  private Map<String, Node> mapping(Node n, Set<String> known, boolean closed, String what) {
    Map<String, Node> out = new HashMap<>();
    if (!(n instanceof MappingNode)) {
      s.error(n, what + " must be a mapping");
      return out;
    }
    for (NodeTuple t : Yaml.entries(n)) {
      String key = Yaml.isNull(t.getKeyNode()) ? "" : Yaml.scalar(t.getKeyNode());
      if (key == null || key.isEmpty()) {
        s.error(t.getKeyNode(), "Unexpected value '" + (key == null ? "" : key) + "' (a key must be a non-empty string)");
        continue;
      }
      if (out.containsKey(key)) {
        s.error(t.getKeyNode(), "'" + key + "' is already defined");
        continue;
      }
      if (!known.contains(key)) {
        if (closed) s.error(t.getKeyNode(), "Unexpected value '" + key + "'");
        else s.warning(t.getKeyNode(), "unknown key '" + key + "' in " + what + " is ignored (expected one of " + String.join(", ", known.stream().sorted().toList()) + ")");
        continue;
      }
      out.put(key, t.getValueNode());
    }
    return out;
  }

  private Map<String, String> stringMap(Node n) {
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null) return out;
    if (n instanceof ScalarNode sc && sc.getValue().contains("${{")) {
      checkTemplate(n);
      return out;
    }
    if (!(n instanceof MappingNode)) {
      s.error(n, "expected a mapping of names to values");
      return out;
    }
    for (NodeTuple t : Yaml.entries(n)) {
      String key = Yaml.scalar(t.getKeyNode());
      Node v = t.getValueNode();
      if (!(v instanceof ScalarNode)) {
        s.error(v, "the value of '" + key + "' must be a string, number or boolean");
        continue;
      }
      checkTemplate(v);
      out.put(key, Yaml.isNull(v) ? "" : Yaml.scalar(v));
    }
    return out;
  }

  private void checkTemplate(Node n) {
    if (n instanceof ScalarNode sc) ExpressionCheck.template(n, sc.getValue(), s);
  }

  private void checkTemplates(Node n) {
    if (n == null) return;
    if (n instanceof ScalarNode) checkTemplate(n);
    for (Node i : Yaml.items(n)) checkTemplates(i);
    for (NodeTuple t : Yaml.entries(n)) checkTemplates(t.getValueNode());
  }

  private static String string(Node n) {
    if (n == null || Yaml.isNull(n)) return null;
    return Yaml.scalar(n);
  }
}
