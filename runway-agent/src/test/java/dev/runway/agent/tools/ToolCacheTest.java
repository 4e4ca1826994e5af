package dev.runway.agent.tools;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolCacheTest {
    @TempDir
    Path tmp;

    Path install(String name) throws Exception {
        return Files.createDirectories(tmp.resolve("installs").resolve(name).resolve("bin"))
                .getParent();
    }

    @Test
    void addLinksTheInstallInGitHubsLayoutWithACompleteMarker() throws Exception {
        ToolCache cache = new ToolCache(tmp.resolve("cache"), "x64");
        Path jdk = install("jdk-21");
        ToolCache.Entry e = cache.add("java", "21.0.3", jdk);
        Path link = tmp.resolve("cache/java/21.0.3/x64");
        assertThat(e.path()).isEqualTo(link);
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(link.toRealPath()).isEqualTo(jdk.toRealPath());
        assertThat(tmp.resolve("cache/java/21.0.3/x64.complete")).exists();
        // adding again replaces the link
        Path other = install("jdk-21b");
        cache.add("java", "21.0.3", other);
        assertThat(link.toRealPath()).isEqualTo(other.toRealPath());
    }

    @Test
    void findPicksTheHighestMatchingVersion() throws Exception {
        ToolCache cache = new ToolCache(tmp.resolve("cache"), "x64");
        for (String v : List.of("3.9.18", "3.10.14", "3.11.9", "3.12.3", "3.13.0")) {
            cache.add("python", v, install("py" + v));
        }
        cache.add("java", "17.0.15", install("jdk17"));
        cache.add("java", "25.0.1", install("jdk25"));
        assertThat(cache.find("python", "3.11").orElseThrow().version()).isEqualTo("3.11.9");
        assertThat(cache.find("python", ">=3.10 <3.13").orElseThrow().version()).isEqualTo("3.12.3");
        assertThat(cache.find("python", ">=3.10").orElseThrow().version()).isEqualTo("3.13.0");
        assertThat(cache.find("python", "~3.10").orElseThrow().version()).isEqualTo("3.10.14");
        assertThat(cache.find("python", "").orElseThrow().version()).isEqualTo("3.13.0");
        assertThat(cache.find("python", "3.8")).isEmpty();
        assertThat(cache.find("java", "17").orElseThrow().version()).isEqualTo("17.0.15");
        assertThat(cache.find("java", "25").orElseThrow().version()).isEqualTo("25.0.1");
        assertThat(cache.find("java", "22")).isEmpty();
        assertThat(cache.find("node", "20")).isEmpty();
        assertThat(cache.list("python")).extracting(ToolCache.Entry::version).startsWith("3.13.0", "3.12.3");
        assertThat(cache.list()).hasSize(7);
    }

    @Test
    void entriesWithoutTheCompleteMarkerOrOfAnotherArchAreIgnored() throws Exception {
        ToolCache x64 = new ToolCache(tmp.resolve("cache"), "x64");
        x64.add("node", "20.11.1", install("node20"));
        x64.add("node", "22.1.0", install("node22"));
        Files.delete(tmp.resolve("cache/node/22.1.0/x64.complete"));
        assertThat(x64.find("node", "*").orElseThrow().version()).isEqualTo("20.11.1");
        assertThat(new ToolCache(tmp.resolve("cache"), "arm64").list()).isEmpty();
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() throws Exception {
        ToolCache cache = new ToolCache(tmp.resolve("cache"), "x64");
        assertThatThrownBy(() -> cache.add("java", "21", tmp.resolve("missing")))
                .hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> cache.add("java", "../21", install("x"))).hasMessageContaining("invalid version");
        assertThatThrownBy(() -> cache.add("java", "latest", install("y"))).hasMessageContaining("invalid version");
        assertThatThrownBy(() -> cache.add("../etc", "1", install("z"))).hasMessageContaining("invalid tool");
    }

    @Test
    void aToolInASharedPrefixGetsLinksToItsOwnProgramsOnly() throws Exception {
        needs(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 (Debian package python3)");
        ToolCache cache = new ToolCache(tmp.resolve("cache"), "x64");
        ToolCache.Entry e = cache.add("python", "3.12.3", Path.of("/usr"));
        assertThat(Files.isSymbolicLink(e.path())).isFalse();
        assertThat(e.path().resolve("bin/python3")).isExecutable();
        assertThat(e.path().resolve("bin/python")).isExecutable();
        assertThat(e.path().resolve("bin/ls")).doesNotExist();
        // replacing it with a real install works
        cache.add("python", "3.12.3", install("py"));
        assertThat(Files.isSymbolicLink(e.path())).isTrue();
    }
}
