package dev.runway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --url and --token of every command that talks to a control plane. */
final class ClientOptions {
    /** Where the CLI looks when neither --url, RUNWAY_URL nor the data directory's server.url says. */
    static final String DEFAULT_URL = "http://127.0.0.1:8420";

    @Option(
            names = "--url",
            description = "Control plane URL (env RUNWAY_URL; default: the address `runway up` or `runway server`"
                    + " wrote to the data directory's server.url, else " + DEFAULT_URL + ").")
    String url;

    @Option(
            names = "--token",
            description =
                    "API token (env RUNWAY_TOKEN; default: the admin token in the data directory, ./.runway/admin-token).")
    String token;

    @Option(
            names = "--data-dir",
            description =
                    "Data directory whose admin-token is used when no token is given (env RUNWAY_DATA_DIR; default ${DEFAULT-VALUE}).",
            defaultValue = ".runway")
    Path dataDir;

    ApiClient client() {
        return new ApiClient(url(), token());
    }

    /**
     * The control plane's URL: --url, RUNWAY_URL, the address a control plane started on this data directory wrote
     * ({@code server.url}, so a second terminal finds a server on any port), or {@link #DEFAULT_URL}.
     */
    String url() {
        if (url != null && !url.isBlank()) return url;
        Path f = dataDir.resolve("server.url");
        try {
            if (Files.isReadable(f)) {
                String written = Files.readString(f).strip();
                if (written.startsWith("http://") || written.startsWith("https://")) return written;
            }
        } catch (IOException ignored) {
            // unreadable: the default
        }
        return DEFAULT_URL;
    }

    /** The API token: --token, RUNWAY_TOKEN, or the admin token in the data directory. */
    String token() {
        String t = token;
        if (t == null || t.isBlank()) {
            Path f = dataDir.resolve("admin-token");
            try {
                if (Files.isReadable(f)) t = Files.readString(f).strip();
            } catch (IOException ignored) {
                // no token: the server will say so
            }
        }
        if (t == null || t.isBlank()) {
            throw new CliException(
                    "no API token: pass --token, set RUNWAY_TOKEN, or run where " + f(dataDir) + " exists");
        }
        return t;
    }

    private static String f(Path dir) {
        return dir.resolve("admin-token").toString();
    }
}
