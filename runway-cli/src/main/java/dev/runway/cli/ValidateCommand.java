package dev.runway.cli;

import dev.runway.workflow.parse.ActionParser;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
            "Prints FILE:LINE:COLUMN: error|warning: message; exit code 1 if any file has errors.",
            "With no FILE, checks .github/workflows/*.yml and *.yaml of the current directory."
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "FILE", description = "Workflow files, or action.yml files.")
    List<Path> files = new ArrayList<>();

    @Option(
            names = {"-q", "--quiet"},
            description = "Print errors only, not warnings.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        List<Path> targets = new ArrayList<>(files);
        if (targets.isEmpty()) {
            Path dir = Path.of(".github", "workflows");
            if (!Files.isDirectory(dir))
                throw new CliException("no FILE given and no .github/workflows directory here");
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                        .sorted()
                        .forEach(targets::add);
            }
        }
        int errors = 0;
        int warnings = 0;
        for (Path f : targets) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException e) {
                System.out.println(f + ": error: cannot read: " + e.getMessage());
                errors++;
                continue;
            }
            String name = f.getFileName() == null ? "" : f.getFileName().toString();
            List<Diagnostic> diagnostics = name.equals("action.yml") || name.equals("action.yaml")
                    ? ActionParser.parse(f.toString(), text).diagnostics()
                    : WorkflowParser.parse(f.toString(), text).diagnostics();
            for (Diagnostic d : diagnostics) {
                if (d.severity() == Diagnostic.Severity.ERROR) errors++;
                else warnings++;
                if (!quiet || d.severity() == Diagnostic.Severity.ERROR) System.out.println(d);
            }
        }
        System.err.println(targets.size() + " file(s): " + errors + " error(s), " + warnings + " warning(s)");
        return errors > 0 ? 1 : 0;
    }
}
