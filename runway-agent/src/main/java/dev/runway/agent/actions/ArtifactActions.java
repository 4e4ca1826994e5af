package dev.runway.agent.actions;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.isolation.InsideDirectories;
import dev.runway.agent.output.SecretMasker;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.ArtifactView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The built-in {@code actions/upload-artifact} and {@code actions/download-artifact}, as version 4 of GitHub's
 * behave: files from {@code path} (lines of files, directories and globs, {@code !} to exclude) are zipped relative to
 * their least common ancestor directory and stored on the control plane under {@code name}; a download unpacks one
 * artifact into {@code path}, or every artifact of the run into {@code path/<name>}. Uploaded files are not masked,
 * but one that contains a registered secret value gets a warning annotation.
 */
final class ArtifactActions {
    static final Set<String> UPLOAD_INPUTS = Set.of(
            "name",
            "path",
            "if-no-files-found",
            "retention-days",
            "compression-level",
            "overwrite",
            "include-hidden-files");
    static final Set<String> DOWNLOAD_INPUTS =
            Set.of("name", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id");

    /** Zips the matched files and uploads them; returns the step's outputs. */
    static Map<String, String> upload(Map<String, String> with, Path workspace, JobApi api, Executor.Output out)
            throws IOException, InterruptedException {
        check(with, UPLOAD_INPUTS, "actions/upload-artifact");
        String name = with.getOrDefault("name", "artifact").strip();
        if (name.isEmpty()) name = "artifact";
        String paths = with.getOrDefault("path", "");
        if (paths.isBlank()) throw new IllegalArgumentException("actions/upload-artifact: 'path' is required");
        String ifNone = with.getOrDefault("if-no-files-found", "warn").strip();
        boolean hidden =
                "true".equals(with.getOrDefault("include-hidden-files", "false").strip());
        List<Path> files = match(workspace, paths, hidden);
        if (files.isEmpty()) {
            String msg = "No files were found with the provided path: "
                    + paths.strip().replace("\n", ", ") + ". No artifacts will be uploaded.";
            switch (ifNone) {
                case "error" -> throw new IllegalArgumentException(msg);
                case "ignore" -> out.line(msg);
                default -> out.line("Warning: " + msg);
            }
            return Map.of();
        }
        Path root = commonAncestor(files);
        Path zip = Files.createTempFile(workspace.getParent(), ".artifact-", ".zip");
        try {
            WorkflowCommands commands = out instanceof WorkflowCommands w ? w : null;
            List<Path> withSecrets = new ArrayList<>();
            try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
                String level = with.getOrDefault("compression-level", "6").strip();
                z.setLevel(level.matches("\\d") ? Integer.parseInt(level) : 6);
                byte[] buf = new byte[64 * 1024];
                for (Path f : files) {
                    z.putNextEntry(new ZipEntry(root.relativize(f).toString().replace('\\', '/')));
                    SecretMasker.Scan scan = commands == null ? null : commands.secretScan();
                    try (InputStream in = Files.newInputStream(f)) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            z.write(buf, 0, n);
                            if (scan != null) scan.feed(buf, 0, n);
                        }
                    }
                    z.closeEntry();
                    if (scan != null && scan.found()) withSecrets.add(f);
                }
            }
            for (Path f : withSecrets) { // the bytes are the user's: warn, never rewrite them
                String file = workspace.relativize(f).toString();
                String msg =
                        "artifact '" + name + "' contains a secret value (file " + file + "); artifacts are not masked";
                commands.annotate("warning", msg, file);
                out.line("Warning: " + msg);
            }
            out.line("Uploading " + files.size() + " file(s) as artifact '" + name + "' (" + Files.size(zip)
                    + " bytes zipped)");
            ArtifactView v = api.uploadArtifact(name, zip);
            out.line("Artifact '" + name + "' stored: " + v.size() + " bytes, sha256 " + v.sha256());
            Map<String, String> outputs = new LinkedHashMap<>();
            outputs.put("artifact-id", name);
            outputs.put("artifact-digest", v.sha256());
            return outputs;
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    static Map<String, String> download(Map<String, String> with, Path workspace, JobApi api, Executor.Output out)
            throws IOException, InterruptedException {
        check(with, DOWNLOAD_INPUTS, "actions/download-artifact");
        if (!with.getOrDefault("run-id", "").isBlank()
                || !with.getOrDefault("repository", "").isBlank())
            throw new IllegalArgumentException(
                    "actions/download-artifact: only artifacts of this run can be downloaded (run-id and repository"
                            + " are not supported)");
        String name = with.getOrDefault("name", "").strip();
        Path dest = InsideDirectories.workingDirectory(
                workspace, with.getOrDefault("path", "").strip());
        List<String> names = new ArrayList<>();
        boolean one = !name.isEmpty();
        if (one) {
            names.add(name);
        } else {
            String pattern = with.getOrDefault("pattern", "").strip();
            PathMatcher m = pattern.isEmpty() ? null : Globs.matcher(pattern);
            for (ArtifactView a : api.artifacts()) {
                if (m == null || m.matches(Path.of(a.name()))) names.add(a.name());
            }
        }
        boolean merge =
                "true".equals(with.getOrDefault("merge-multiple", "false").strip());
        for (String n : names) {
            Path into = one || merge ? dest : InsideDirectories.workingDirectory(dest, n);
            if (!inside(workspace, into))
                throw new IOException("actions/download-artifact: '" + workspace.relativize(into)
                        + "' leads outside the workspace through a link; the runner does not write there");
            Path zip = Files.createTempFile(workspace.getParent(), ".download-", ".zip");
            try {
                api.downloadArtifact(n, zip);
                int count = unzip(zip, into);
                out.line("Artifact '" + n + "': " + count + " file(s) into " + workspace.relativize(into));
            } finally {
                Files.deleteIfExists(zip);
            }
        }
        if (names.isEmpty()) out.line("No artifacts to download");
        return Map.of("download-path", dest.toString());
    }

    private static void check(Map<String, String> with, Set<String> known, String action) {
        for (String k : with.keySet()) {
            if (!known.contains(k))
                throw new IllegalArgumentException(action + ": unknown input '" + k + "' (known: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }

    /** Files matched by the lines of {@code paths}, sorted; directories contribute every file below them. */
    static List<Path> match(Path workspace, String paths, boolean hidden) throws IOException {
        Set<Path> out = new TreeSet<>();
        List<PathMatcher> excludes = new ArrayList<>();
        for (String raw : paths.split("\\R")) {
            String p = raw.strip();
            if (p.isEmpty()) continue;
            if (p.startsWith("!")) {
                excludes.add(matcher(workspace, p.substring(1).strip()));
                continue;
            }
            if (!p.matches(".*[*?\\[{].*")) {
                Path f = workspace.resolve(p).normalize();
                if (!f.startsWith(workspace))
                    throw new IllegalArgumentException("path '" + p + "' is outside the workspace");
                if (Files.isRegularFile(f)) out.add(f);
                else if (Files.isDirectory(f)) out.addAll(walk(f, workspace, hidden));
                continue;
            }
            PathMatcher m = matcher(workspace, p);
            for (Path f : walk(workspace, workspace, hidden)) {
                if (m.matches(workspace.relativize(f))) out.add(f);
            }
        }
        return out.stream()
                .filter(f -> excludes.stream().noneMatch(m -> m.matches(workspace.relativize(f))))
                .filter(f -> inside(workspace, f)) // a link to a host file is not the job's to upload
                .toList();
    }

    /** Whether {@code p}, links resolved, lies in the workspace. */
    static boolean inside(Path workspace, Path p) {
        try {
            return p.toRealPath().startsWith(workspace.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static PathMatcher matcher(Path workspace, String glob) {
        String g = glob;
        if (g.startsWith(workspace + "/")) g = g.substring(workspace.toString().length() + 1);
        return Globs.matcher(g);
    }

    private static List<Path> walk(Path dir, Path workspace, boolean hidden) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> hidden || !hiddenBelow(workspace, f))
                    .toList();
        }
    }

    private static boolean hiddenBelow(Path workspace, Path f) {
        for (Path part : workspace.relativize(f)) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    static Path commonAncestor(List<Path> files) {
        Path common = files.get(0).getParent();
        for (Path f : files) {
            while (!f.startsWith(common)) common = common.getParent();
        }
        return common;
    }

    /** Unpacks a zip into {@code into}, refusing entries that would land outside it. */
    static int unzip(Path zip, Path into) throws IOException {
        int count = 0;
        Path base = Files.createDirectories(into).toRealPath();
        try (InputStream in = Files.newInputStream(zip);
                ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                Path target = base.resolve(e.getName()).normalize();
                if (!target.startsWith(base))
                    throw new IOException("artifact entry '" + e.getName() + "' points outside the target directory");
                if (e.isDirectory()) {
                    InsideDirectories.create(base, target);
                    continue;
                }
                InsideDirectories.create(base, target.getParent());
                if (!target.getParent().toRealPath().startsWith(base))
                    throw new IOException("artifact entry '" + e.getName() + "' leads outside the target directory"
                            + " through a link");
                Files.deleteIfExists(target); // a link there is replaced, not written through
                try (OutputStream o = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
                    z.transferTo(o);
                }
                count++;
            }
        }
        return count;
    }

    private ArtifactActions() {}
}
