package dev.runway.cli;

import dev.runway.server.runs.RunInputs;
import dev.runway.server.runs.RunOptions;
import dev.runway.workflow.Limits;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What `runway run --list`, {@code --graph} and {@code --dry-run} show: a workflow's jobs, the stages of its
 * {@code needs} graph (a job's stage is one more than the latest stage of the jobs it needs) and, for a dry run, the
 * job instances a run would start with their matrix values, chosen as the control plane chooses them (the event,
 * {@code --job} with what it needs, {@code --matrix}). Nothing is started.
 */
final class RunPlan {
    /** One job instance of a dry run: its name as the run shows it and its matrix values (empty: no matrix). */
    record Leg(String name, Map<String, Object> matrix) {}

    /** A job of the plan: its stage (1 is the first), the instances, or why they are known only at run time. */
    record Planned(Job job, int stage, List<Leg> legs, String atRunTime) {}

    private final Path file;
    private final String relative;
    private final Workflow workflow;
    private final Map<String, Integer> stages;

    private RunPlan(Path file, String relative, Workflow workflow) {
        this.file = file;
        this.relative = relative;
        this.workflow = workflow;
        this.stages = stages(workflow);
    }

    /** The workflow of {@code file}, parsed and checked as the control plane will; errors end the command. */
    static RunPlan of(Path file, String relative) {
        String text;
        try {
            String tooLarge = Limits.fileSize(Files.size(file));
            if (tooLarge != null) throw new CliException(relative + ": " + tooLarge);
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CliException(relative + ": cannot read: " + e.getMessage());
        }
        WorkflowParser.Result parsed = WorkflowParser.parse(
                relative, text, WorkflowParser.Options.DEFAULT.withCallees(ref -> ValidateCommand.callee(file, ref)));
        if (!parsed.ok() || parsed.workflow() == null) {
            List<String> errors =
                    parsed.errors().stream().map(Diagnostic::toString).toList();
            throw new CliException("the workflow has errors:" + System.lineSeparator() + "  "
                    + String.join(System.lineSeparator() + "  ", errors));
        }
        return new RunPlan(file, relative, parsed.workflow());
    }

    Workflow workflow() {
        return workflow;
    }

    Path file() {
        return file;
    }

    /** Stage of each job, 1 for a job that needs none (jobOrder is a topological order: needs come first). */
    private static Map<String, Integer> stages(Workflow wf) {
        Map<String, Integer> out = new HashMap<>();
        for (String id : wf.jobOrder()) {
            int stage = 1;
            for (String need : wf.jobs().get(id).needs()) stage = Math.max(stage, out.getOrDefault(need, 1) + 1);
            out.put(id, stage);
        }
        return out;
    }

    private int stageCount(Set<String> jobs) {
        return jobs.stream().mapToInt(stages::get).max().orElse(0);
    }

    /** `--list`: the workflow's name and triggers, then one row a job: stage, id, name, needs, where it runs. */
    void list(PrintStream out) {
        out.println(relative + " (" + (workflow.name() == null ? "no name" : workflow.name()) + "; on: "
                + String.join(", ", workflow.on().keySet()) + ")");
        List<List<String>> rows = new ArrayList<>();
        for (String id : workflow.jobOrder()) {
            Job j = workflow.jobs().get(id);
            rows.add(List.of(
                    Integer.toString(stages.get(id)),
                    id,
                    j.name() == null ? id : j.name(),
                    j.needs().isEmpty() ? "-" : String.join(",", j.needs()),
                    where(j)));
        }
        out.print(indent(Format.table(List.of("STAGE", "JOB", "NAME", "NEEDS", "RUNS-ON"), rows)));
    }

    /** `--graph`: the stages in order, each with its jobs and what they need. */
    void graph(PrintStream out) {
        Set<String> all = new java.util.LinkedHashSet<>(workflow.jobOrder());
        out.println(relative + ": " + all.size() + " job(s) in " + stageCount(all) + " stage(s)");
        for (int stage = 1; stage <= stageCount(all); stage++) {
            List<String> here = new ArrayList<>();
            for (String id : workflow.jobOrder()) {
                if (stages.get(id) != stage) continue;
                Job j = workflow.jobs().get(id);
                here.add(id + (j.needs().isEmpty() ? "" : " <- " + String.join(", ", j.needs())));
            }
            if (stage > 1) out.println("  |");
            out.println("  stage " + stage + ": " + String.join("   ", here));
        }
    }

    /**
     * `--dry-run`: the event, then the stages with the job instances that would start, their matrix values and
     * {@code if:}. The event, inputs, {@code --job} and {@code --matrix} are checked as the control plane checks them,
     * with the same messages.
     */
    List<Planned> dryRun(String event, Map<String, String> inputs, List<String> jobs, Map<String, String> matrix) {
        RunInputs resolved;
        RunOptions options = new RunOptions(jobs, matrix, true);
        try {
            resolved = RunInputs.resolve(workflow, event, inputs);
            options.check(workflow);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        Set<String> selected = options.selected(workflow);
        List<Planned> out = new ArrayList<>();
        for (String id : workflow.jobOrder()) {
            if (!selected.contains(id)) continue;
            Job j = workflow.jobs().get(id);
            if (j.strategy() != null && j.strategy().combinations() == null) {
                out.add(new Planned(j, stages.get(id), List.of(), "matrix known at run time"));
                continue;
            }
            List<Map<String, Object>> combos =
                    j.strategy() == null ? List.of(Map.of()) : j.strategy().combinations();
            List<Map<String, Object>> kept =
                    combos.stream().filter(options::keeps).toList();
            if (kept.isEmpty()) throw new CliException("--matrix: no combination of job '" + id + "' has " + matrix);
            List<Leg> legs = new ArrayList<>();
            for (Map<String, Object> m : kept) {
                if (j.calls() && j.call() != null && j.call().callee() != null) {
                    calleeLegs(name(j, m), j.call().callee(), options, legs, 1);
                } else {
                    legs.add(new Leg(name(j, m), m));
                }
            }
            out.add(new Planned(j, stages.get(id), legs, null));
        }
        this.event = resolved.event();
        return out;
    }

    /** The instances of a called workflow's jobs, named {@code caller / job} as the run names them. */
    private static void calleeLegs(String caller, Workflow callee, RunOptions options, List<Leg> out, int depth) {
        for (String id : callee.jobOrder()) {
            Job j = callee.jobs().get(id);
            if (j.strategy() != null && j.strategy().combinations() == null) {
                out.add(new Leg(caller + " / " + id + " (matrix known at run time)", Map.of()));
                continue;
            }
            List<Map<String, Object>> combos =
                    j.strategy() == null ? List.of(Map.of()) : j.strategy().combinations();
            for (Map<String, Object> m : combos.stream().filter(options::keeps).toList()) {
                String name = caller + " / " + name(j, m);
                if (j.calls() && j.call() != null && j.call().callee() != null && depth < Limits.MAX_CALL_NESTING)
                    calleeLegs(name, j.call().callee(), options, out, depth + 1);
                else out.add(new Leg(name, m));
            }
        }
    }

    private String event;

    /** Prints what {@link #dryRun} planned. */
    void printDryRun(PrintStream out, List<Planned> plan, List<String> notes) {
        int instances =
                plan.stream().mapToInt(p -> Math.max(1, p.legs().size())).sum();
        int stageCount = plan.stream().mapToInt(Planned::stage).max().orElse(0);
        out.println("Dry run of " + (workflow.name() == null ? relative : workflow.name()) + " (" + relative
                + "), event " + event + ": " + instances + " job(s) in " + stageCount + " stage(s); nothing runs");
        for (String n : notes) out.println("  " + n);
        List<List<String>> rows = new ArrayList<>();
        for (Planned p : plan) {
            String stage = Integer.toString(p.stage());
            String needs =
                    p.job().needs().isEmpty() ? "-" : String.join(",", p.job().needs());
            String cond = p.job().ifCondition() == null ? "" : "if: " + p.job().ifCondition();
            if (p.atRunTime() != null) {
                rows.add(List.of(stage, p.job().id(), "(" + p.atRunTime() + ")", needs, where(p.job()), cond));
                continue;
            }
            for (Leg l : p.legs()) rows.add(List.of(stage, l.name(), matrix(l.matrix()), needs, where(p.job()), cond));
        }
        out.print(indent(Format.table(List.of("STAGE", "JOB", "MATRIX", "NEEDS", "RUNS-ON", "CONDITION"), rows)));
    }

    /** The name a job instance gets, as the control plane gives it: its {@code name:} (rendered), or id (values). */
    static String name(Job job, Map<String, Object> matrix) {
        if (job.name() != null) {
            if (!job.name().contains("${{")) return job.name();
            Value.Obj contexts = new Value.Obj();
            contexts.put("matrix", Templates.object(matrix));
            try {
                return Templates.render(job.name(), new Templates.Scope(contexts));
            } catch (RuntimeException e) { // ExpressionException among them
                return job.name(); // needs contexts known at run time only
            }
        }
        if (matrix.isEmpty()) return job.id();
        List<String> values = new ArrayList<>();
        for (Object v : matrix.values()) values.add(String.valueOf(v));
        return job.id() + " (" + String.join(", ", values) + ")";
    }

    private static String matrix(Map<String, Object> m) {
        if (m.isEmpty()) return "-";
        List<String> parts = new ArrayList<>();
        new LinkedHashMap<>(m).forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(" ", parts);
    }

    private static String where(Job j) {
        if (j.calls() && j.call() != null) return "uses " + j.call().uses();
        return j.runsOn().isEmpty() ? "-" : String.join(",", j.runsOn());
    }

    private static String indent(String table) {
        StringBuilder b = new StringBuilder();
        for (String line : table.split("\n", -1))
            if (!line.isEmpty()) b.append("  ").append(line).append('\n');
        return b.toString().replace("\n", System.lineSeparator());
    }
}
