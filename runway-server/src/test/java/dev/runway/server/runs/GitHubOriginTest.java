package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** github.repository from a real local repository's origin remote, as `runway run` sees it. */
class GitHubOriginTest {
    @TempDir
    Path dir;

    @Test
    void theGitHubRemoteFormsGiveOwnerAndName() {
        for (String url : List.of(
                "git@github.com:acme/rocket.git",
                "https://github.com/acme/rocket",
                "https://github.com/acme/rocket.git/",
                "ssh://git@github.com/acme/rocket.git",
                "https://token@github.com/acme/rocket.git")) {
            assertThat(GitHubOrigin.parse(url)).as(url).isEqualTo("acme/rocket");
        }
        assertThat(GitHubOrigin.parse("https://gitlab.com/acme/rocket.git")).isNull();
        assertThat(GitHubOrigin.parse("https://github.com.evil.example/acme/rocket"))
                .isNull();
        assertThat(GitHubOrigin.parse("/srv/git/acme/rocket.git")).isNull();
    }

    @Test
    void aLocalRepositoryWithAGitHubOriginIsNamedAfterIt() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("my-checkout"));
        git(repo, "init", "-q");
        assertThat(RunContexts.repositoryName(repo.toString())).isEqualTo(dir.getFileName() + "/my-checkout");
        Path other = Files.createDirectories(dir.resolve("other-checkout"));
        git(other, "init", "-q");
        git(other, "remote", "add", "origin", "git@github.com:BurntSushi/ripgrep.git");
        assertThat(RunContexts.repositoryName(other.toString())).isEqualTo("BurntSushi/ripgrep");
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
