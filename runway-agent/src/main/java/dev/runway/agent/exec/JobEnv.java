package dev.runway.agent.exec;

/**
 * What a native step (a built-in action run by the agent itself) may change for the later steps, as GITHUB_ENV and
 * GITHUB_PATH would; the job's step files ({@code output.FileCommands}) implement it.
 */
public interface JobEnv {
    void setEnv(String name, String value);

    /** Puts {@code dir} first on PATH. */
    void addPath(String dir);
}
