package dev.runway.cli;

import dev.runway.server.ServerConfig;
import dev.runway.server.store.Backup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Operations on a control plane's data directory: backup and restore (docs/operations.md). */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = "Back up and restore a control plane's data (docs/operations.md).",
        subcommands = {AdminCommand.BackupCommand.class, AdminCommand.RestoreCommand.class})
final class AdminCommand {
    /** Where the data lives, as for {@code runway server}. */
    static final class Store {
        @Option(
                names = "--data-dir",
                defaultValue = ".runway",
                description = "The server's data directory (default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(
                names = "--master-key-file",
                description = "The server's master key, when it is not <data-dir>/master.key.")
        Path masterKeyFile;

        ServerConfig config() {
            return ServerConfig.builder(dataDir).masterKeyFile(masterKeyFile).build();
        }
    }

    @Command(
            name = "backup",
            mixinStandardHelpOptions = true,
            description = {
                "Write a consistent copy of a SQLite control plane's database, artifacts, caches and master key to"
                        + " one zip (mode 0600: it holds the master key), while the server runs.",
                "PostgreSQL: use pg_dump (docs/operations.md)."
            })
    static final class BackupCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Store store = new Store();

        @Parameters(paramLabel = "ARCHIVE", description = "The zip to write (must not exist).")
        Path archive;

        @Override
        public Integer call() {
            Backup.Manifest m = run(() -> Backup.backup(store.config(), archive));
            System.out.println("backed up schema version " + m.schemaVersion() + ", "
                    + m.files().size() + " file(s) to " + archive);
            return 0;
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = "Restore a backup into a new or empty data directory (checked against its manifest).")
    static final class RestoreCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Store store = new Store();

        @Parameters(paramLabel = "ARCHIVE", description = "A zip written by runway admin backup.")
        Path archive;

        @Override
        public Integer call() {
            Backup.Manifest m = run(() -> Backup.restore(archive, store.config()));
            System.out.println("restored schema version " + m.schemaVersion() + " of " + m.createdAt() + ", "
                    + m.files().size() + " file(s) into " + store.dataDir);
            return 0;
        }
    }

    private static Backup.Manifest run(java.util.function.Supplier<Backup.Manifest> action) {
        try {
            return action.get();
        } catch (Backup.Refused e) {
            throw new CliException(e.getMessage());
        }
    }
}
