package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ToolsCommandTest {
    @TempDir
    Path dir;

    @Test
    void addThenLsShowsTheLinkedInstall() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk-21/bin")).getParent();
        String data = dir.resolve("data").toString();
        CliTest.Run add = CliTest.run(Map.of(), "tools", "add", "java", "21.0.3", jdk.toString(), "--data-dir", data);
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("added java 21.0.3");
        assertThat(dir.resolve("data/tool-cache/java/21.0.3")).isDirectory();
        CliTest.Run ls = CliTest.run(Map.of("RUNWAY_DATA_DIR", data), "tools", "ls");
        assertThat(ls.code()).isZero();
        assertThat(ls.out())
                .contains("java")
                .contains("21.0.3")
                .contains(jdk.toRealPath().toString());
        // --tool-cache (or RUNWAY_TOOL_CACHE) names another cache
        CliTest.Run other =
                CliTest.run(Map.of("RUNWAY_TOOL_CACHE", dir.resolve("other").toString()), "tools", "ls");
        assertThat(other.out()).contains("is empty");
    }

    @Test
    void theCacheOptionsWorkBeforeTheSubcommandToo() throws Exception {
        Path node = Files.createDirectories(dir.resolve("node-22/bin")).getParent();
        String data = dir.resolve("data").toString();
        CliTest.Run add = CliTest.run(Map.of(), "tools", "--data-dir", data, "add", "node", "22.1.0", node.toString());
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(dir.resolve("data/tool-cache/node/22.1.0")).isDirectory();
        assertThat(Path.of(".runway/tool-cache/node/22.1.0")).doesNotExist();
        CliTest.Run ls = CliTest.run(Map.of(), "tools", "--data-dir", data, "ls");
        assertThat(ls.out()).contains("22.1.0");
        String other = dir.resolve("tc").toString();
        CliTest.Run inTc = CliTest.run(Map.of(), "tools", "--tool-cache", other, "add", "node", "22", node.toString());
        assertThat(inTc.code()).as(inTc.err()).isZero();
        assertThat(dir.resolve("tc/node/22")).isDirectory();
    }

    @Test
    void aMissingInstallIsOneClearLine() {
        CliTest.Run r = CliTest.run(
                Map.of(), "tools", "add", "node", "20", dir.resolve("nope").toString(), "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is not a directory");
    }

    @Test
    void theAgentsToolCacheDefaultsToTheDataDir() {
        CommandLine cl = Main.commandLine(new ConfigDefaults(Map.of(), null));
        AgentCommand a = (AgentCommand) cl.parseArgs("agent", "--data-dir", dir.toString())
                .subcommand()
                .commandSpec()
                .userObject();
        assertThat(a.toConfig().toolCache()).isEqualTo(dir.resolve("tool-cache").toAbsolutePath());
        AgentCommand b = (AgentCommand) Main.commandLine(new ConfigDefaults(Map.of(), null))
                .parseArgs("agent", "--tool-cache", dir.resolve("tc").toString())
                .subcommand()
                .commandSpec()
                .userObject();
        assertThat(b.toConfig().toolCache()).isEqualTo(dir.resolve("tc").toAbsolutePath());
    }
}
