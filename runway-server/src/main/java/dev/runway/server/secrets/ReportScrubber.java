package dev.runway.server.secrets;

import dev.runway.protocol.Annotation;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.StepResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The control plane's own check on what a runner reports when a job ends, behind the runner's masking (defence in
 * depth, issue 16): an output (job or step) whose name or value holds one of the secret values sent to that job is
 * dropped, and step names, the reason and annotations have such values replaced by {@code ***}. It looks for each
 * value and each of its lines (of at least {@value #MIN_LENGTH} characters) as written; encodings are the runner's
 * business ({@code SecretMasker}).
 */
public final class ReportScrubber {
    /** Shorter values are not looked for (the runner does not mask them either). */
    public static final int MIN_LENGTH = 4;

    private static final String MASK = "***";

    private final List<String> forms;
    private final List<String> dropped = new ArrayList<>();

    public ReportScrubber(Collection<String> secretValues) {
        Set<String> f = new LinkedHashSet<>();
        for (String v : secretValues) {
            if (v == null) continue;
            f.add(v);
            f.add(v.strip());
            for (String line : v.split("\\R")) f.add(line.strip());
        }
        f.removeIf(s -> s.length() < MIN_LENGTH);
        List<String> sorted = new ArrayList<>(f);
        sorted.sort(Comparator.comparingInt(String::length).reversed()); // the whole value before its lines
        this.forms = List.copyOf(sorted);
    }

    /** The report with no secret value left in it. */
    public CompleteRequest scrub(CompleteRequest req) {
        if (forms.isEmpty()) return req;
        List<StepResult> steps = new ArrayList<>();
        if (req.steps() != null) {
            for (StepResult s : req.steps()) {
                String name = mask(s.name());
                steps.add(new StepResult(
                        name, s.result(), s.exitCode(), s.durationMs(), kept(s.outputs(), "step '" + name + "'")));
            }
        }
        Map<String, String> outputs = kept(req.outputs(), "job");
        List<Annotation> annotations = new ArrayList<>(); // the control plane's warnings first: it keeps the first 100
        for (String d : dropped) {
            annotations.add(new Annotation(
                    "warning",
                    "the control plane dropped " + d + ": it holds a secret value",
                    null,
                    null,
                    null,
                    null,
                    null));
        }
        for (Annotation a : req.annotations()) {
            annotations.add(new Annotation(
                    a.level(),
                    mask(a.message()),
                    mask(a.step()),
                    mask(a.title()),
                    mask(a.file()),
                    a.line(),
                    a.column()));
        }
        return new CompleteRequest(
                req.result(), mask(req.reason()), steps, outputs, annotations, req.usage(), req.secretsMasked());
    }

    /** What was dropped, as "job output 'x'" (never a value). */
    public List<String> dropped() {
        return List.copyOf(dropped);
    }

    private Map<String, String> kept(Map<String, String> outputs, String whose) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            if (holds(e.getKey()) || holds(e.getValue())) dropped.add(whose + " output '" + mask(e.getKey()) + "'");
            else out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    boolean holds(String s) {
        if (s == null) return false;
        for (String f : forms) if (s.contains(f)) return true;
        return false;
    }

    /** {@code s} with every secret value (and line of one) replaced by {@code ***}; null stays null. */
    public String mask(String s) {
        if (s == null) return null;
        String out = s;
        for (String f : forms) out = out.replace(f, MASK);
        return out;
    }
}
