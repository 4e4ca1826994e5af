package dev.runway.cli;

import dev.runway.workflow.Limits;
import dev.runway.workflow.parse.ActionParser;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check GitHub Actions workflow files without running them: YAML, keys, needs, matrix, expressions.",
            "A file named action.yml or action.yaml is checked as an action (composite, JavaScript or Docker).",
            "A directory stands for its *.yml and *.yaml files.",
            "Prints FILE:LINE:COLUMN: error|warning: message; exit code 1 if any file has errors.",
            "With no FILE, checks .github/workflows/*.yml and *.yaml of the current directory."
        })
final class ValidateCommand implements Callable<Integer> {
    /** Longest one file may take to check; the parser's limits keep real files far below it. */
    static final long FILE_TIMEOUT_SECONDS = 30;

    @Parameters(arity = "0..*", paramLabel = "FILE", description = "Workflow files, action.yml files or directories.")
    List<Path> files = new ArrayList<>();

    @Option(
            names = {"-q", "--quiet"},
            description = "Print errors only, not warnings.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        List<Path> targets = new ArrayList<>();
        if (files.isEmpty()) {
            Path dir = Path.of(".github", "workflows");
            if (!Files.isDirectory(dir))
                throw new CliException("no FILE given and no .github/workflows directory here");
            targets.addAll(yamlFiles(dir));
        }
        for (Path f : files) {
            if (Files.isDirectory(f)) targets.addAll(yamlFiles(f));
            else targets.add(f);
        }
        int errors = 0;
        int warnings = 0;
        ExecutorService worker = newWorker();
        try {
            for (Path f : targets) {
                for (Diagnostic d : check(f, worker)) {
                    if (d.severity() == Diagnostic.Severity.ERROR) errors++;
                    else warnings++;
                    if (!quiet || d.severity() == Diagnostic.Severity.ERROR) System.out.println(d);
                }
                if (worker.isShutdown()) worker = newWorker(); // the last file ran over its time
            }
        } finally {
            worker.shutdownNow();
        }
        System.err.println(targets.size() + " file(s): " + errors + " error(s), " + warnings + " warning(s)");
        return errors > 0 ? 1 : 0;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "validate");
            t.setDaemon(true); // a file that ran over its time must not keep the command alive
            return t;
        });
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
    }

    /** The diagnostics of one file; whatever goes wrong with it becomes one of them, so the next file is checked. */
    private static List<Diagnostic> check(Path f, ExecutorService worker) {
        String file = f.toString();
        try {
            String tooLarge = Limits.fileSize(Files.size(f)); // before reading: the file may be huge
            if (tooLarge != null) return List.of(error(file, 1, 1, tooLarge));
            byte[] bytes = Files.readAllBytes(f);
            String text = utf8(file, bytes);
            String name = f.getFileName() == null ? "" : f.getFileName().toString();
            boolean action = name.equals("action.yml") || name.equals("action.yaml");
            Future<List<Diagnostic>> parsed = worker.submit(() -> action
                    ? ActionParser.parse(file, text).diagnostics()
                    : WorkflowParser.parse(
                                    file, text, WorkflowParser.Options.DEFAULT.withCallees(ref -> callee(f, ref)))
                            .diagnostics());
            try {
                return parsed.get(FILE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                parsed.cancel(true);
                worker.shutdownNow();
                return List.of(error(file, 1, 1, "checking took longer than " + FILE_TIMEOUT_SECONDS + " s; stopped"));
            }
        } catch (NotUtf8 e) {
            return List.of(e.diagnostic);
        } catch (IOException e) {
            return List.of(error(file, 1, 1, "cannot read: " + e.getMessage()));
        } catch (ExecutionException e) {
            return List.of(error(file, 1, 1, "internal error while checking the file: " + e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(error(file, 1, 1, "interrupted"));
        }
    }

    /**
     * A called workflow's text: a local reference ({@code ./.github/workflows/x.yml}) is read from the repository the
     * checked file is in (the directory above its {@code .github}); a remote one cannot be read here (null).
     */
    static @org.jspecify.annotations.Nullable String callee(Path caller, String ref) {
        if (!ref.startsWith("./")) return null;
        Path dir = caller.toAbsolutePath().getParent();
        while (dir != null
                && !(dir.getFileName() != null && dir.getFileName().toString().equals(".github")))
            dir = dir.getParent();
        if (dir == null || dir.getParent() == null) return null;
        Path root = dir.getParent();
        Path file = root.resolve(ref.substring(2)).normalize();
        try {
            if (!file.startsWith(root) || !Files.isRegularFile(file) || Limits.fileSize(Files.size(file)) != null)
                return null;
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static Diagnostic error(String file, int line, int col, String message) {
        return new Diagnostic(Diagnostic.Severity.ERROR, file, line, col, message);
    }

    private static final class NotUtf8 extends Exception {
        final transient Diagnostic diagnostic;

        NotUtf8(Diagnostic d) {
            super(d.message(), null, false, false);
            this.diagnostic = d;
        }
    }

    /** The text of {@code bytes}, or where (line, column in bytes) the first byte that is not UTF-8 is. */
    static String utf8(String file, byte[] bytes) throws NotUtf8 {
        CharsetDecoder d = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) r = d.flush(out);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new NotUtf8(error(
                    file,
                    line,
                    at - lineStart + 1,
                    String.format(
                            "the file is not UTF-8 text: byte 0x%02X at offset %d is not valid UTF-8; workflow files"
                                    + " must be UTF-8",
                            bytes[at] & 0xff, at)));
        }
        return out.flip().toString();
    }
}
