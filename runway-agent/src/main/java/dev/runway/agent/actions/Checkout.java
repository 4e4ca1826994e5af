package dev.runway.agent.actions;

import dev.runway.protocol.StepSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in {@code actions/checkout}: the run's commit of the run's repository into the workspace (or {@code
 * path}), with git itself. It becomes a bash step, so it is killed, timed and logged like any other step. Inputs:
 * {@code ref} (default the run's commit), {@code path}, {@code fetch-depth} (default 1; 0 for all history and
 * tags), {@code clean} (default true); {@code repository} may only name the run's own repository.
 */
final class Checkout {
    static final Set<String> INPUTS = Set.of(
            "repository",
            "ref",
            "path",
            "fetch-depth",
            "clean",
            "token",
            "ssh-key",
            "persist-credentials",
            "submodules",
            "lfs",
            "fetch-tags",
            "show-progress",
            "set-safe-directory",
            "sparse-checkout");
    static final Set<String> IGNORED =
            Set.of("token", "ssh-key", "persist-credentials", "show-progress", "set-safe-directory");

    /** The step as a script, or an {@link IllegalArgumentException} saying what cannot be done. */
    static StepSpec script(StepSpec step, Map<String, Object> github, String workingTree) {
        Map<String, String> with = step.with();
        for (String k : with.keySet()) {
            if (!INPUTS.contains(k)) throw new IllegalArgumentException("actions/checkout: unknown input '" + k + "'");
            if (!IGNORED.contains(k)
                    && List.of("submodules", "lfs", "sparse-checkout").contains(k)
                    && !with.get(k).isBlank()
                    && !with.get(k).equals("false"))
                throw new IllegalArgumentException("actions/checkout: '" + k + "' is not supported by Runway");
        }
        String url = string(github.get("repositoryUrl"));
        String sha = string(github.get("sha"));
        String repository = string(github.get("repository"));
        if (url.isBlank())
            throw new IllegalArgumentException("actions/checkout: this run has no repository (it was started from a"
                    + " workflow file's text); start it with --repo to check out code");
        String wanted = with.getOrDefault("repository", "").strip();
        if (!wanted.isEmpty() && !wanted.equals(repository) && !wanted.equals(url))
            throw new IllegalArgumentException("actions/checkout: only the run's own repository (" + repository
                    + ") can be checked out, not '" + wanted + "'");
        String ref = with.getOrDefault("ref", "").strip();
        String depth = with.getOrDefault("fetch-depth", "1").strip();
        if (!depth.matches("\\d+"))
            throw new IllegalArgumentException(
                    "actions/checkout: fetch-depth must be a whole number, not '" + depth + "'");
        String path = with.getOrDefault("path", "").strip();
        boolean clean = !"false".equals(with.getOrDefault("clean", "true").strip());
        String target = ref.isEmpty() ? sha : ref;
        // like actions/checkout, a branch is checked out as a local branch (tools such as change detectors ask
        // git for the current branch), a tag or a commit detached
        String runRef = string(github.get("ref"));
        String branch = ref.isEmpty()
                ? (runRef.startsWith("refs/heads/") ? runRef.substring("refs/heads/".length()) : "")
                : (ref.matches("[0-9a-fA-F]{7,64}") || ref.startsWith("refs/tags/") || ref.startsWith("refs/pull/")
                        ? ""
                        : ref.replaceFirst("^refs/heads/", ""));
        StringBuilder s = new StringBuilder();
        s.append("url=").append(quote(url)).append('\n');
        s.append("target=").append(quote(target)).append('\n');
        s.append("dir=").append(quote(path.isEmpty() ? "." : path)).append('\n');
        s.append("""
                mkdir -p "$dir" && cd "$dir"
                [ -d .git ] || git init -q
                git config --local gc.auto 0
                git remote get-url origin >/dev/null 2>&1 || git remote add origin "$url"
                echo "Fetching $target from $url"
                """);
        if (depth.equals("0")) {
            s.append("git fetch --no-progress --prune --tags \"$url\" '+refs/heads/*:refs/remotes/origin/*'\n");
            s.append("git fetch --no-progress \"$url\" \"$target\"\n");
        } else {
            s.append("git fetch --no-progress --no-tags --depth=").append(depth).append(" \"$url\" \"$target\"\n");
        }
        if (clean) s.append("git clean -ffdx -q && git reset -q --hard\n");
        if (branch.isEmpty() || !branch.matches("[A-Za-z0-9._/+-]+")) {
            s.append("git checkout -q --force FETCH_HEAD\n");
        } else {
            s.append("branch=").append(quote(branch)).append('\n');
            s.append("git update-ref \"refs/remotes/origin/$branch\" FETCH_HEAD\n");
            s.append("git checkout -q --force -B \"$branch\" FETCH_HEAD\n");
        }
        s.append("git log -1 --format='HEAD is now at %h %s'\n");
        if (workingTree != null && ref.isEmpty()) {
            // runway run: the working tree as it is, uncommitted changes included, on top of its HEAD
            s.append("tree=").append(quote(workingTree)).append('\n');
            s.append("""
                    dest=$(pwd)
                    (cd "$tree" && git ls-files -z --modified --others --exclude-standard) |
                      while IFS= read -r -d '' f; do
                        if [ -e "$tree/$f" ] || [ -L "$tree/$f" ]; then (cd "$tree" && cp -a --parents -- "$f" "$dest"); else rm -f -- "$dest/$f"; fi
                      done
                    echo "Working tree of $tree copied over (uncommitted changes included)"
                    """);
        }
        return new StepSpec(
                step.name(),
                s.toString(),
                step.env(),
                null,
                step.timeoutSeconds(),
                "bash",
                step.id(),
                step.condition(),
                null,
                Map.of(),
                step.continueOnError());
    }

    static boolean handles(String uses) {
        return name(uses).equals("actions/checkout");
    }

    /** {@code owner/name} of a {@code uses:} reference, without {@code @version}, lower case. */
    static String name(String uses) {
        int at = uses.indexOf('@');
        return (at < 0 ? uses : uses.substring(0, at)).strip().toLowerCase(java.util.Locale.ROOT);
    }

    private static String string(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    /** A bash single-quoted word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private Checkout() {}
}
