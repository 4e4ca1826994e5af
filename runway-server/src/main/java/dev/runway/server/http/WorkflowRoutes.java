package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.server.runs.GitSource;
import dev.runway.workflow.parse.WorkflowParser;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The workflows of a repository at a ref, with the inputs each declares for {@code workflow_dispatch}: what the
 * dashboard's "Run workflow" form offers. Read-only, but for the operator role, like {@code POST /api/v1/runs}: it
 * clones or fetches whatever repository it is given. The files are read (one fetch) and parsed as a run would read
 * them; a file that does not parse is listed with its first error.
 */
final class WorkflowRoutes {
    /** {@code GET ?repo=&ref=}: the files under {@code .github/workflows} of the repository at the ref. */
    static final String WORKFLOWS = ApiPaths.PREFIX + "/workflows";

    static final String DIR = ".github/workflows";

    /** What the workflow routes use. */
    record Deps(Auth auth, GitSource git) {}

    /** One declared input of {@code on.workflow_dispatch.inputs}. */
    record Input(
            String name,
            String type,
            String description,
            boolean required,
            String defaultValue,
            List<String> options) {}

    /** One workflow file; {@code dispatch}: it has the {@code workflow_dispatch} trigger. */
    record WorkflowFile(String path, String name, boolean dispatch, List<Input> inputs, String error) {}

    /** The answer. */
    record WorkflowList(String repo, String ref, String sha, List<WorkflowFile> workflows) {}

    private final Deps s;

    WorkflowRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(WORKFLOWS, this::list);
    }

    private void list(Context ctx) {
        s.auth().operator(ctx); // it fetches any repository named, as starting a run does
        String repo = ctx.queryParam("repo");
        if (repo == null || repo.isBlank())
            throw ApiException.badRequest("repo: required, a git URL or a path the control plane can read");
        String ref = ctx.queryParam("ref");
        if (ref != null && ref.isBlank()) ref = null;
        GitSource.Read at;
        List<String> files;
        try {
            at = s.git().resolve(repo, ref);
            files = s.git().list(repo, at.sha(), DIR);
        } catch (GitSource.GitException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        List<WorkflowFile> out = new ArrayList<>();
        for (String path : files) {
            if (!path.endsWith(".yml") && !path.endsWith(".yaml")) continue;
            out.add(file(repo, ref, at, path));
        }
        ctx.json(new WorkflowList(repo, at.ref() != null ? at.ref() : ref, at.sha(), out));
    }

    private WorkflowFile file(String repo, String ref, GitSource.Read at, String path) {
        String text;
        try {
            text = s.git().read(repo, ref, path, at).text(); // one fetch for all the files
        } catch (GitSource.GitException e) {
            return new WorkflowFile(path, null, false, List.of(), e.getMessage());
        }
        WorkflowParser.Result parsed = WorkflowParser.parse(path, text);
        if (parsed.workflow() == null)
            return new WorkflowFile(
                    path,
                    null,
                    false,
                    List.of(),
                    parsed.errors().isEmpty()
                            ? "it does not parse"
                            : parsed.errors().getFirst().toString());
        var wf = parsed.workflow();
        boolean dispatch = wf.on().containsKey("workflow_dispatch");
        List<Input> inputs = new ArrayList<>();
        if (wf.on().get("workflow_dispatch") instanceof Map<?, ?> m && m.get("inputs") instanceof Map<?, ?> declared) {
            for (var d : declared.entrySet()) {
                Map<?, ?> spec = d.getValue() instanceof Map<?, ?> sm ? sm : Map.of();
                inputs.add(new Input(
                        String.valueOf(d.getKey()),
                        spec.get("type") == null ? "string" : String.valueOf(spec.get("type")),
                        spec.get("description") == null ? null : String.valueOf(spec.get("description")),
                        "true".equals(String.valueOf(spec.get("required"))),
                        spec.get("default") == null ? null : String.valueOf(spec.get("default")),
                        spec.get("options") instanceof List<?> l
                                ? l.stream().map(String::valueOf).toList()
                                : List.of()));
            }
        }
        return new WorkflowFile(
                path,
                wf.name(),
                dispatch,
                inputs,
                parsed.ok() ? null : parsed.errors().getFirst().toString());
    }
}
