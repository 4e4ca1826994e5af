package dev.runway.agent.tools;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolDiscoveryTest {
    @TempDir
    Path tmp;

    @Test
    void findsTheJdksOfThisMachineOncePerVersion() throws Exception {
        Path jvm = Path.of("/usr/lib/jvm");
        needs(Files.isDirectory(jvm), "no /usr/lib/jvm here");
        ToolCache cache = new ToolCache(tmp.resolve("cache"));
        List<ToolCache.Entry> found = ToolDiscovery.discover(cache, jvm, null);
        List<String> versions =
                cache.list("java").stream().map(ToolCache.Entry::version).toList();
        assertThat(found).isNotEmpty();
        assertThat(versions).doesNotHaveDuplicates().allMatch(v -> v.matches("\\d+(\\.\\d+)*"));
        for (ToolCache.Entry e : cache.list("java")) {
            assertThat(e.path().resolve("bin/java")).isExecutable();
            assertThat(Files.readString(e.path().resolve("release"))).contains("JAVA_VERSION=\"" + e.version());
        }
        // the running JDK is one of them when it lives there
        String home = Path.of(System.getProperty("java.home")).toRealPath().toString();
        if (home.startsWith("/usr/lib/jvm/")) {
            assertThat(cache.find("java", Integer.toString(Runtime.version().feature())))
                    .isPresent();
        }
        // a second start finds java present and adds nothing
        assertThat(ToolDiscovery.discover(cache, jvm, null)).isEmpty();
    }

    @Test
    void probesToolsOnPathForTheirVersion() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("node-v20.11.1/bin"));
        Path node = bin.resolve("node");
        Files.writeString(node, "#!/bin/sh\necho v20.11.1\n");
        node.toFile().setExecutable(true);
        Path gobin = Files.createDirectories(tmp.resolve("go/bin"));
        Files.writeString(gobin.resolve("go"), "#!/bin/sh\necho go version go1.22.1 linux/amd64\n");
        gobin.resolve("go").toFile().setExecutable(true);
        ToolCache cache = new ToolCache(tmp.resolve("cache"));
        ToolDiscovery.discover(cache, tmp.resolve("no-jvm"), bin + ":" + gobin);
        assertThat(cache.find("node", "20").orElseThrow().path().toRealPath())
                .isEqualTo(bin.getParent().toRealPath());
        assertThat(cache.find("go", "1.22").orElseThrow().version()).isEqualTo("1.22.1");
        assertThat(cache.list("python")).isEmpty();
    }

    @Test
    void javaEightVersionsAreNamedAsSetupJavaNamesThem() {
        assertThat(ToolDiscovery.javaVersion("1.8.0_392")).isEqualTo("8.0.392");
        assertThat(ToolDiscovery.javaVersion("17.0.15")).isEqualTo("17.0.15");
        assertThat(ToolDiscovery.javaVersion("25-ea")).isEqualTo("25");
    }
}
