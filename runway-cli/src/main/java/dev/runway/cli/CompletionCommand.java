package dev.runway.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Prints a shell completion script for every command and option, made by picocli from the commands themselves. */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = {
            "Print a completion script for bash (zsh reads it too, with bashcompinit). Install it with:",
            "  runway completion > /etc/bash_completion.d/runway      (or: source <(runway completion))"
        })
final class CompletionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(AutoComplete.bash("runway", spec.root().commandLine()));
        return 0;
    }
}
