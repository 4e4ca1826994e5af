package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real git repositories: read in place, through a mirrored URL, and the refusals. */
class GitSourceTest {
    @TempDir
    Path dir;

    Path repo;
    GitSource git;

    @BeforeEach
    void repo() throws Exception {
        repo = Files.createDirectories(dir.resolve("repo"));
        git(repo, "init", "-q", "-b", "main");
        commit("one");
        git = new GitSource(dir.resolve("cache"));
    }

    void commit(String content) throws Exception {
        Path f = repo.resolve(".github/workflows/ci.yml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", content);
    }

    @Test
    void aWorkflowOverTheSizeLimitIsRefusedWithoutBeingRead() throws Exception {
        Path f = repo.resolve(".github/workflows/big.yml");
        Files.writeString(f, "on: push\n#" + "x".repeat(20 << 20) + "\n");
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "big");
        assertThatThrownBy(() -> git.read(repo.toString(), null, ".github/workflows/big.yml"))
                .isInstanceOf(GitSource.GitException.class)
                .hasMessage(".github/workflows/big.yml:1:1: error: the file is 20971531 bytes; a workflow file may"
                        + " have at most 524288 bytes (512 KiB)");
    }

    @Test
    void aPullRequestsMergeRefParentsAndChangedFilesAreReadFromTheMirror() throws Exception {
        String base = git(repo, "rev-parse", "HEAD");
        git(repo, "checkout", "-q", "-b", "topic");
        Files.writeString(Files.createDirectories(repo.resolve("src")).resolve("a.txt"), "a");
        git(repo, "rm", "-q", ".github/workflows/ci.yml");
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "topic");
        String head = git(repo, "rev-parse", "HEAD");
        git(repo, "checkout", "-q", "main");
        Files.writeString(repo.resolve("README"), "base only"); // a change on the base: not the pull request's
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "main moved on");
        String tip = git(repo, "rev-parse", "HEAD");
        String tree = git(repo, "merge-tree", "--write-tree", tip, head);
        String merge = git(
                repo,
                "-c",
                "user.email=t@runway.dev",
                "-c",
                "user.name=t",
                "commit-tree",
                tree,
                "-p",
                tip,
                "-p",
                head,
                "-m",
                "merge");
        git(repo, "update-ref", "refs/pull/7/merge", merge);
        // through a URL: the mirror has refs/pull/*, as a mirror of GitHub has
        String url = "file://" + repo;
        assertThat(git.resolve(url, "refs/pull/7/merge").sha()).isEqualTo(merge);
        assertThat(git.parents(url, merge)).containsExactly(tip, head);
        assertThat(git.parents(url, base)).isEmpty();
        assertThat(git.changedFiles(url, tip, head)).containsExactlyInAnyOrder("src/a.txt", ".github/workflows/ci.yml");
        assertThatThrownBy(() -> git.changedFiles(url, "--output=/tmp/x", head))
                .isInstanceOf(GitSource.GitException.class)
                .hasMessageContaining("is not a commit id");
    }

    @Test
    void aLocalRepositoryIsReadInPlaceAtTheRef() throws Exception {
        GitSource.Read r = git.read(repo.toString(), null, ".github/workflows/ci.yml");
        assertThat(r.text()).isEqualTo("one");
        assertThat(r.sha()).isEqualTo(git(repo, "rev-parse", "HEAD"));
        assertThat(r.ref()).isEqualTo("refs/heads/main");
        git(repo, "tag", "v1");
        commit("two");
        assertThat(git.read(repo.toString(), "v1", ".github/workflows/ci.yml").text())
                .isEqualTo("one");
        assertThat(git.read(repo.toString(), "v1", ".github/workflows/ci.yml").ref())
                .isEqualTo("refs/tags/v1");
        assertThat(git.read(repo.toString(), "main", ".github/workflows/ci.yml").text())
                .isEqualTo("two");
    }

    @Test
    void aUrlIsMirroredOnceAndFetchedOnEachUse() throws Exception {
        String url = "file://" + repo;
        assertThat(git.read(url, "main", ".github/workflows/ci.yml").text()).isEqualTo("one");
        assertThat(dir.resolve("cache")).isNotEmptyDirectory();
        commit("two");
        GitSource.Read r = git.read(url, "main", ".github/workflows/ci.yml");
        assertThat(r.text()).isEqualTo("two");
        assertThat(r.sha()).isEqualTo(git(repo, "rev-parse", "HEAD"));
    }

    @Test
    void mistakesAndDangerousInputAreRefusedWithAReason() {
        assertThatThrownBy(() -> git.read(repo.toString(), "nope", ".github/workflows/ci.yml"))
                .hasMessageContaining("'nope' is not a branch, tag or commit");
        assertThatThrownBy(() -> git.read(repo.toString(), "main", ".github/workflows/other.yml"))
                .hasMessageContaining("no file '.github/workflows/other.yml'");
        assertThatThrownBy(() -> git.read(repo.toString(), "--upload-pack=touch", ".github/workflows/ci.yml"))
                .hasMessageContaining("is not a valid git ref");
        assertThatThrownBy(() -> git.read(repo.toString(), "main", "../outside.yml"))
                .hasMessageContaining("a path inside the repository");
        Path pwned = dir.resolve("pwned");
        assertThatThrownBy(() -> git.read("ext::sh -c touch% " + pwned, "main", ".github/workflows/ci.yml"))
                .isInstanceOf(GitSource.GitException.class);
        assertThat(pwned).doesNotExist();
        assertThatThrownBy(() -> git.read(dir.resolve("missing").toString(), null, "a.yml"))
                .hasMessageContaining("no directory");
    }

    static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
