package dev.runway.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package this module builds (jdeb, before the tests run), read as dpkg reads it: its control fields, the
 * files it installs with their modes and owners, its maintainer scripts; the launcher run from the package's own
 * layout; and, as root under {@code CI=true}, a real {@code dpkg -i}, {@code runway --version} and
 * {@code runway server --help} through {@code /usr/bin/runway}, and a purge that leaves nothing behind.
 */
class DebPackageTest {
    static final boolean CI = "true".equals(System.getenv("CI"));

    /** One entry of a tar member of the .deb. */
    record Entry(String path, int mode, String user, String group, String linkTarget, byte[] body, boolean dir) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Path deb;
    static Map<String, Entry> control;
    static Map<String, Entry> data;
    static List<String> members;

    @TempDir
    Path tmp;

    @BeforeAll
    static void read() throws IOException {
        deb = Path.of(System.getProperty("runway.deb", "target/runway.deb"));
        assertThat(deb).as("the .deb jdeb builds before the tests").isRegularFile();
        members = new ArrayList<>();
        try (var ar = new ArArchiveInputStream(Files.newInputStream(deb))) {
            ArArchiveEntry e;
            while ((e = ar.getNextEntry()) != null) {
                members.add(e.getName());
                byte[] body = ar.readAllBytes();
                switch (e.getName()) {
                    case "debian-binary" ->
                        assertThat(new String(body, StandardCharsets.US_ASCII)).isEqualTo("2.0\n");
                    case "control.tar.gz" -> control = tar(body);
                    case "data.tar.gz" -> data = tar(body);
                    default -> {}
                }
            }
        }
    }

    static Map<String, Entry> tar(byte[] gz) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (var in = new TarArchiveInputStream(new GzipCompressorInputStream(new java.io.ByteArrayInputStream(gz)))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "/").replaceFirst("/$", "");
                if (!name.startsWith("/")) name = "/" + name;
                out.put(
                        name,
                        new Entry(
                                name,
                                e.getMode() & 07777,
                                e.getUserName(),
                                e.getGroupName(),
                                e.isSymbolicLink() ? e.getLinkName() : null,
                                e.isDirectory() ? new byte[0] : in.readAllBytes(),
                                e.isDirectory()));
            }
        }
        return out;
    }

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/systemd"))) p = p.getParent();
        assertThat(p).as("the repository above the working directory").isNotNull();
        return p;
    }

    static Map<String, String> fields() {
        Map<String, String> f = new LinkedHashMap<>();
        String last = null;
        for (String line : control.get("/control").text().split("\n")) {
            if (line.startsWith(" ") && last != null) {
                f.put(last, f.get(last) + "\n" + line.substring(1));
            } else if (line.contains(":")) {
                last = line.substring(0, line.indexOf(':'));
                f.put(last, line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return f;
    }

    @Test
    void controlFieldsSayWhatThePackageIsAndNeeds() {
        assertThat(members).startsWith("debian-binary", "control.tar.gz", "data.tar.gz");
        Map<String, String> f = fields();
        assertThat(f.get("Package")).isEqualTo("runway");
        String version = System.getProperty("runway.version", "0.1.0-SNAPSHOT").replace("-SNAPSHOT", "");
        assertThat(f.get("Version")).startsWith(version).matches("[0-9][A-Za-z0-9.+~-]*");
        assertThat(f.get("Architecture")).isEqualTo("all");
        assertThat(f.get("Maintainer")).contains("<").contains("@");
        assertThat(f).containsKeys("Section", "Priority", "Description");
        // honest: no Java package in Depends, since Debian 12 has none >= 21 and a Temurin or tarball JDK is not a
        // package dpkg knows; the runtimes that do work are recommended, and the description says what to install
        assertThat(f.get("Depends"))
                .doesNotContainIgnoringCase("java")
                .doesNotContain("jdk")
                .doesNotContain("jre");
        assertThat(f.get("Recommends")).contains("temurin-21-jre").contains("java21-runtime-headless");
        assertThat(f.get("Description")).contains("Java runtime 21").contains("temurin-21-jre");
        assertThat(f.get("Installed-Size")).as("jdeb computes it").matches("[0-9]+");
    }

    @Test
    void installsTheJarLauncherUnitsAndCompletionWithTheirModes() throws IOException {
        assertThat(data.keySet())
                .contains(
                        "/usr/share/runway/lib/runway.jar",
                        "/usr/share/runway/bin/runway",
                        "/usr/share/runway/bin/find-java",
                        "/usr/bin/runway",
                        "/usr/lib/systemd/system/runway-server.service",
                        "/usr/lib/systemd/system/runway-agent.service",
                        "/usr/lib/systemd/system/runway-server.service.d/package.conf",
                        "/usr/lib/systemd/system/runway-agent.service.d/package.conf",
                        "/usr/share/bash-completion/completions/runway",
                        "/etc/runway/server.yaml",
                        "/etc/runway/agent.yaml",
                        "/usr/share/doc/runway/install.md");
        // nothing outside /usr and /etc: state directories are made by postinst, never shipped
        assertThat(data.keySet()).allMatch(p -> p.equals("/") || p.startsWith("/usr") || p.startsWith("/etc"));
        assertThat(data.values()).allMatch(e -> "root".equals(e.user()) && "root".equals(e.group()), "root:root");
        assertThat(data.values().stream()
                        .filter(e -> !e.dir() && e.linkTarget() == null)
                        .filter(e -> (e.mode() & 022) != 0)
                        .map(Entry::path))
                .as("group- or world-writable files")
                .isEmpty();
        assertThat(data.get("/usr/share/runway/bin/runway").mode()).isEqualTo(0755);
        assertThat(data.get("/usr/share/runway/bin/find-java").mode()).isEqualTo(0755);
        assertThat(data.get("/usr/share/runway/lib/runway.jar").mode()).isEqualTo(0644);
        assertThat(data.get("/usr/bin/runway").linkTarget()).isEqualTo("../share/runway/bin/runway");
        assertThat(data.get("/usr/lib/systemd/system/runway-server.service").mode())
                .isEqualTo(0644);
        assertThat(data.get("/etc/runway/server.yaml").mode()).isEqualTo(0640);

        // the jar is the CLI's shaded jar, byte for byte; the units are deploy/systemd's as they are
        Path root = repo();
        assertThat(data.get("/usr/share/runway/lib/runway.jar").body())
                .isEqualTo(Files.readAllBytes(root.resolve("runway-cli/target/runway.jar")));
        for (String unit : List.of("runway-server.service", "runway-agent.service")) {
            assertThat(data.get("/usr/lib/systemd/system/" + unit).text())
                    .isEqualTo(Files.readString(root.resolve("deploy/systemd/" + unit)));
        }
        assertThat(data.get("/usr/lib/systemd/system/runway-server.service.d/package.conf")
                        .text())
                .contains("ExecStart=\nExecStart=/usr/bin/runway server")
                .contains("DynamicUser=no")
                .contains("User=runway");
        assertThat(data.get("/usr/lib/systemd/system/runway-agent.service.d/package.conf")
                        .text())
                .contains("ExecStart=\nExecStart=/usr/bin/runway agent");
        // picocli's completion script for the command and its subcommands
        assertThat(data.get("/usr/share/bash-completion/completions/runway").text())
                .contains("complete -F")
                .contains("runway")
                .contains("server")
                .contains("--data-dir");
    }

    @Test
    void maintainerScriptsCreateUsersAndStateButStartNothing() throws Exception {
        assertThat(control.keySet()).contains("/control", "/postinst", "/prerm", "/postrm", "/conffiles", "/md5sums");
        for (String s : List.of("/postinst", "/prerm", "/postrm")) {
            assertThat(control.get(s).mode()).as(s).isEqualTo(0755);
            assertThat(control.get(s).text()).as(s).startsWith("#!/bin/sh\n").contains("set -e");
            // no service is enabled or started by installing the package (the operator configures it first)
            assertThat(control.get(s).text())
                    .as(s)
                    .doesNotContain("systemctl start")
                    .doesNotContain("systemctl enable")
                    .doesNotContain("deb-systemd-invoke");
            Path script =
                    Files.write(tmp.resolve(s.substring(1)), control.get(s).body());
            Run syntax = run(List.of("sh", "-n", script.toString()), Map.of());
            assertThat(syntax.code()).as(s + " parses: " + syntax.out()).isZero();
        }
        String postinst = control.get("/postinst").text();
        assertThat(postinst)
                .contains("useradd --system --gid runway --home-dir /var/lib/runway")
                .contains("useradd --system --gid runway-agent")
                .contains("chmod 0750 \"/var/lib/$d\"")
                .contains("/usr/sbin/nologin");
        assertThat(control.get("/conffiles").text()).isEqualTo("/etc/runway/server.yaml\n/etc/runway/agent.yaml\n");
        assertThat(control.get("/md5sums").text()).contains("usr/share/runway/lib/runway.jar");
        assertThat(control.get("/postrm").text()).contains("rm -rf /var/lib/runway /var/lib/runway-agent");
    }

    @Test
    void dpkgAcceptsThePackage() throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/dpkg-deb"));
        if (CI && Files.exists(Path.of("/etc/debian_version")))
            assertThat(present).as("dpkg-deb on a Debian machine").isTrue();
        assumeThat(present).as("dpkg-deb").isTrue();
        Run info = run(List.of("dpkg-deb", "--field", deb.toString(), "Package", "Architecture"), Map.of());
        assertThat(info.code()).as(info.out()).isZero();
        assertThat(info.out()).contains("Package: runway").contains("Architecture: all");
        Run contents = run(List.of("dpkg-deb", "--contents", deb.toString()), Map.of());
        assertThat(contents.code()).as(contents.out()).isZero();
        assertThat(contents.out())
                .contains("./usr/bin/runway -> ../share/runway/bin/runway")
                .containsPattern("-rwxr-xr-x root/root .* \\./usr/share/runway/bin/runway\n");
    }

    /** The launcher in the package's own layout finds lib/runway.jar beside its bin/ (no source tree there). */
    @Test
    void theLauncherRunsFromThePackagedLayout() throws Exception {
        Path root = tmp.resolve("root");
        for (Entry e : data.values()) {
            Path p = root.resolve(e.path().substring(1));
            if (e.dir()) {
                Files.createDirectories(p);
            } else if (e.linkTarget() != null) {
                Files.createDirectories(p.getParent());
                Files.createSymbolicLink(p, Path.of(e.linkTarget()));
            } else {
                Files.createDirectories(p.getParent());
                Files.write(p, e.body());
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(rwx(e.mode())));
            }
        }
        Run version = run(
                List.of(root.resolve("usr/bin/runway").toString(), "--version"),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "HOME", tmp.toString()));
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).startsWith("runway 0.1.0");
    }

    /**
     * A real install into this machine, only as root under CI=true (CI's machine is made for it): {@code dpkg -i},
     * the command through /usr/bin/runway with no JAVA_HOME (the launcher finds the JDK in /usr/lib/jvm), the users
     * and directories postinst makes, and {@code dpkg --purge} leaving none of the package's files. It refuses to run
     * over a runway that is not this package's, and never starts a service.
     */
    @Test
    void installsWithDpkgRunsAndPurgesCleanly() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean dpkg = Files.isExecutable(Path.of("/usr/bin/dpkg"));
        assumeThat(CI && root).as("root under CI=true").isTrue();
        assertThat(dpkg).as("dpkg (CI runs on Debian)").isTrue();
        boolean installedBefore = run(List.of("dpkg-query", "-W", "-f=${Status}", "runway"), Map.of())
                .out()
                .contains("install ok installed");
        if (!installedBefore) {
            for (String p : List.of("/usr/bin/runway", "/usr/share/runway", "/etc/runway", "/var/lib/runway")) {
                assertThat(Path.of(p))
                        .as(p + " exists but is not the package's: not installing over it")
                        .doesNotExist();
            }
        }
        boolean userBefore =
                run(List.of("getent", "passwd", "runway"), Map.of()).code() == 0;
        boolean agentUserBefore =
                run(List.of("getent", "passwd", "runway-agent"), Map.of()).code() == 0;
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        try {
            Run install = run(List.of("dpkg", "-i", deb.toString()), env);
            assertThat(install.code()).as(install.out()).isZero();
            assertThat(run(List.of("dpkg-query", "-W", "-f=${Status}", "runway"), Map.of())
                            .out())
                    .isEqualTo("install ok installed");

            // as a user would: a clean environment, PATH without any JDK, HOME of its own (the CDS archives)
            Map<String, String> user = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", tmp.toString());
            Run version = run(List.of("/usr/bin/runway", "--version"), user);
            assertThat(version.code()).as(version.out()).isZero();
            assertThat(version.out()).startsWith("runway 0.1.0");
            Run help = run(List.of("/usr/bin/runway", "server", "--help"), user);
            assertThat(help.code()).as(help.out()).isZero();
            assertThat(help.out()).contains("--data-dir").contains("--database-url");

            PosixFileAttributes state = Files.readAttributes(
                    Path.of("/var/lib/runway"), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertThat(state.isDirectory()).isTrue();
            assertThat(state.owner().getName()).isEqualTo("runway");
            assertThat(PosixFilePermissions.toString(state.permissions())).isEqualTo("rwxr-x---");
            assertThat(Files.readAttributes(Path.of("/var/lib/runway-agent"), PosixFileAttributes.class)
                            .owner()
                            .getName())
                    .isEqualTo("runway-agent");
            PosixFileAttributes conf =
                    Files.readAttributes(Path.of("/etc/runway/server.yaml"), PosixFileAttributes.class);
            assertThat(conf.group().getName()).isEqualTo("runway");
            assertThat(PosixFilePermissions.toString(conf.permissions())).isEqualTo("rw-r-----");
            assertThat(run(List.of("getent", "passwd", "runway"), Map.of()).out())
                    .contains(":/var/lib/runway:/usr/sbin/nologin");

            // the installed units as systemd reads them, drop-ins included (ExecStart is /usr/bin/runway, present)
            if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
                for (String unit : List.of("runway-server.service", "runway-agent.service")) {
                    Run verify = run(List.of("systemd-analyze", "verify", "/usr/lib/systemd/system/" + unit), Map.of());
                    assertThat(verify.code()).as(unit + ": " + verify.out()).isZero();
                    assertThat(verify.out()).as(unit).doesNotContain(unit);
                }
            }
            // nothing was started: where systemd runs, the units are neither active nor enabled
            if (Files.isDirectory(Path.of("/run/systemd/system"))) {
                for (String unit : List.of("runway-server.service", "runway-agent.service")) {
                    assertThat(run(List.of("systemctl", "is-active", unit), Map.of())
                                    .out()
                                    .trim())
                            .isNotEqualTo("active");
                    assertThat(run(List.of("systemctl", "is-enabled", unit), Map.of())
                                    .out()
                                    .trim())
                            .isNotEqualTo("enabled");
                }
            }
        } finally {
            Run purge = run(List.of("dpkg", "--purge", "runway"), env);
            if (!userBefore) run(List.of("userdel", "runway"), Map.of());
            if (!agentUserBefore) run(List.of("userdel", "runway-agent"), Map.of());
            assertThat(purge.code()).as(purge.out()).isZero();
        }
        assertThat(run(List.of("dpkg-query", "-W", "-f=${Status}", "runway"), Map.of())
                        .out())
                .doesNotContain("installed");
        for (String p : List.of(
                "/usr/bin/runway",
                "/usr/share/runway",
                "/usr/lib/systemd/system/runway-server.service",
                "/usr/lib/systemd/system/runway-server.service.d",
                "/usr/share/bash-completion/completions/runway",
                "/etc/runway",
                "/var/lib/runway",
                "/var/lib/runway-agent")) {
            assertThat(Path.of(p)).as(p + " after purge").doesNotExist();
        }
    }

    static String rwx(int mode) {
        String all = "rwxrwxrwx";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 9; i++) s.append((mode & (0400 >> i)) != 0 ? all.charAt(i) : '-');
        return s.toString();
    }

    record Run(int code, String out) {}

    /** Runs a command with only {@code env} added to (or, with PATH, replacing) a minimal environment. */
    static Run run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (env.containsKey("PATH")) pb.environment().clear();
        pb.environment().putAll(env);
        if (!pb.environment().containsKey("PATH")) pb.environment().put("PATH", System.getenv("PATH"));
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertThat(p.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS))
                .as(String.join(" ", cmd) + " finished")
                .isTrue();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
