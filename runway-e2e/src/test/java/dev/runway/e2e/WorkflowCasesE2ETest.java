package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run-time cases in the style of act's runner tests, written from GitHub's documentation: each file in
 * {@code src/test/resources/cases} is a workflow that {@code runway run} runs for real in a fresh git repository, its
 * steps checking their own behaviour ({@code test ... || exit 1}) and printing what the header expects. A new file is
 * picked up without editing a list. The header, comment lines before the first YAML line:
 *
 * <ul>
 *   <li>{@code # expect: success|failure} the exit status of {@code runway run} (0 or 1);
 *   <li>{@code # output: TEXT} a line of output containing TEXT, after the line of the previous one of the same job
 *       ({@code [job] …}: jobs run at once, so the order counts within a job);
 *   <li>{@code # absent: TEXT} TEXT appears nowhere in the output;
 *   <li>{@code # args: A B} more arguments to {@code runway run};
 *   <li>{@code # doc: URL} the part of GitHub's documentation the case follows.
 * </ul>
 *
 * A directory beside the file with the case's name ({@code name.yml} and {@code name/}) is copied into the repository
 * first (actions, scripts).
 */
class WorkflowCasesE2ETest {
    static final Path CASES = casesDir();

    @TempDir
    Path root;

    record Case(String name, Path file, boolean success, List<String> output, List<String> absent, List<String> args) {
        static Case read(Path file) {
            try {
                String name = file.getFileName().toString().replaceFirst("\\.yml$", "");
                Boolean success = null;
                List<String> output = new ArrayList<>();
                List<String> absent = new ArrayList<>();
                List<String> args = new ArrayList<>();
                boolean doc = false;
                for (String line : Files.readAllLines(file)) {
                    if (!line.startsWith("#")) break;
                    String body = line.substring(1).strip();
                    int colon = body.indexOf(':');
                    if (colon < 0) continue;
                    String key = body.substring(0, colon).strip();
                    String value = body.substring(colon + 1).strip();
                    switch (key) {
                        case "expect" ->
                            success = switch (value) {
                                case "success" -> true;
                                case "failure" -> false;
                                default -> throw new IllegalArgumentException(file + ": expect is success or failure");
                            };
                        case "output" -> output.add(value);
                        case "absent" -> absent.add(value);
                        case "args" -> args.addAll(List.of(value.split("\\s+")));
                        case "doc" -> doc = value.startsWith("https://docs.github.com/");
                        default -> {}
                    }
                }
                if (success == null) throw new IllegalArgumentException(file + ": no '# expect:' line");
                if (output.isEmpty()) throw new IllegalArgumentException(file + ": no '# output:' line");
                if (!doc) throw new IllegalArgumentException(file + ": no '# doc: https://docs.github.com/…' line");
                return new Case(name, file, success, output, absent, args);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRunsAsGitHubDocumentsIt() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CASES)) {
            files = s.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(files).as("cases in " + CASES).hasSizeGreaterThan(40);
        return files.stream()
                .map(Case::read)
                .map(c -> DynamicTest.dynamicTest(c.name(), c.file().toUri(), () -> run(c)));
    }

    private void run(Case c) throws Exception {
        Path repo = Files.createDirectories(root.resolve(c.name()).resolve("repo"));
        Path files = CASES.resolve(c.name());
        if (Files.isDirectory(files)) copyTree(files, repo);
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.copy(c.file(), repo.resolve(".github/workflows/" + c.name() + ".yml"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "case");
        List<String> args = new ArrayList<>(List.of(
                "run", "--data-dir", root.resolve(c.name()).resolve("data").toString()));
        args.addAll(c.args());
        try (RunwayProcess p =
                RunwayProcess.start(root.resolve(c.name()).resolve("logs"), c.name(), Map.of(), args, repo)) {
            int exit = p.awaitExit(Duration.ofSeconds(120));
            String out = p.output();
            assertThat(exit).as("exit status of runway run\n" + out).isEqualTo(c.success() ? 0 : 1);
            List<String> lines = out.lines().toList();
            Map<String, Integer> after = new java.util.HashMap<>(); // jobs run at once: order counts within a job
            for (String want : c.output()) {
                String job = want.startsWith("[") && want.contains("] ") ? want.substring(0, want.indexOf("] ")) : "";
                int at = after.getOrDefault(job, 0);
                int found = -1;
                for (int i = at; i < lines.size(); i++) {
                    if (lines.get(i).contains(want)) {
                        found = i;
                        break;
                    }
                }
                if (found < 0) fail("no line containing \"" + want + "\" after line " + at + ":\n" + out);
                after.put(job, found + 1);
            }
            for (String not : c.absent()) assertThat(out).as(out).doesNotContain(not);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path f : s.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static Path casesDir() {
        try {
            return Path.of(WorkflowCasesE2ETest.class.getResource("/cases").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
