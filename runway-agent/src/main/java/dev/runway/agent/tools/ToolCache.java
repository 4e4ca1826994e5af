package dev.runway.agent.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A runner's tool cache ({@code RUNNER_TOOL_CACHE}), laid out as GitHub's runners and toolkit do: {@code
 * <root>/<tool>/<version>/<arch>/} with a {@code <root>/<tool>/<version>/<arch>.complete} marker. An entry is
 * usually a symbolic link to an existing install (a JDK under /usr/lib/jvm), so nothing is copied.
 */
public final class ToolCache {
    /** One installed version. */
    public record Entry(String tool, String version, String arch, Path path) {}

    public static final List<String> TOOLS = List.of("java", "node", "go", "python", "maven");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");

    private final Path root;
    private final String arch;

    public ToolCache(Path root) {
        this(root, arch());
    }

    public ToolCache(Path root, String arch) {
        this.root = root.toAbsolutePath().normalize();
        this.arch = arch;
    }

    /** GitHub's tool cache name for this host's architecture: x64 or arm64. */
    public static String arch() {
        String a = System.getProperty("os.arch", "");
        return switch (a) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "x86";
            default -> a.toLowerCase(Locale.ROOT);
        };
    }

    public Path root() {
        return root;
    }

    public String architecture() {
        return arch;
    }

    /** Adds (or replaces) {@code tool} {@code version} as a link to the install at {@code install}. */
    public Entry add(String tool, String version, Path install) throws IOException {
        String t = tool.toLowerCase(Locale.ROOT);
        if (!NAME.matcher(t).matches()) throw new IllegalArgumentException("invalid tool name '" + tool + "'");
        if (!NAME.matcher(version).matches() || Versions.parse(version).length == 0)
            throw new IllegalArgumentException("invalid version '" + version + "' (expected e.g. 21 or 21.0.3)");
        if (!Files.isDirectory(install))
            throw new IllegalArgumentException(install + " is not a directory (give the tool's install directory)");
        Path target = install.toRealPath();
        Path dir = Files.createDirectories(root.resolve(t).resolve(version));
        Path link = dir.resolve(arch);
        Files.deleteIfExists(dir.resolve(arch + ".complete"));
        if (Files.isSymbolicLink(link)) {
            Files.delete(link);
        } else if (Files.isDirectory(link) && Files.exists(link.resolve(SHIMS))) {
            deleteShims(link);
        } else if (Files.exists(link)) {
            throw new IOException(link + " exists and is not a link: remove it first");
        }
        if (SHARED_PREFIXES.contains(target.toString()) && EXECUTABLES.containsKey(t)) {
            shims(link, target, EXECUTABLES.get(t));
        } else {
            Files.createSymbolicLink(link, target);
        }
        Files.writeString(dir.resolve(arch + ".complete"), "");
        return new Entry(t, version, arch, link);
    }

    /**
     * Prefixes other software shares (node in /usr/bin): linking the whole prefix would put every program in
     * /usr/bin first on PATH after setup-node, ahead of the JDK setup-java chose. Such an entry is a directory of
     * links to the tool's own programs instead.
     */
    private static final Set<String> SHARED_PREFIXES = Set.of("/", "/usr", "/usr/local", "/opt/homebrew");

    private static final Map<String, List<String>> EXECUTABLES = Map.of(
            "node", List.of("node", "npm", "npx", "corepack"),
            "python", List.of("python3", "pip3", "pip", "pydoc3", "python3-config"),
            "go", List.of("go", "gofmt"),
            "maven", List.of("mvn", "mvnDebug"),
            "java", List.of("java", "javac", "jar", "javadoc", "jshell", "keytool", "jlink", "jpackage"));

    private static final String SHIMS = ".runway-links";

    private static void shims(Path link, Path prefix, List<String> names) throws IOException {
        Path bin = Files.createDirectories(link.resolve("bin"));
        Files.writeString(link.resolve(SHIMS), prefix + "\n");
        for (String n : names) {
            Path exe = prefix.resolve("bin").resolve(n);
            if (Files.isExecutable(exe)) Files.createSymbolicLink(bin.resolve(n), exe.toRealPath());
        }
        Path python3 = bin.resolve("python3");
        if (Files.exists(python3) && !Files.exists(bin.resolve("python"))) { // setup-python provides `python`
            Files.createSymbolicLink(bin.resolve("python"), python3.toRealPath());
        }
    }

    private static void deleteShims(Path link) throws IOException {
        try (Stream<Path> s = Files.walk(link)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Every complete entry for this architecture, by tool, newest version first. */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> tools = Files.list(root)) {
            for (Path t : tools.sorted().toList()) {
                if (Files.isDirectory(t)) out.addAll(list(t.getFileName().toString()));
            }
        }
        return out;
    }

    /** The complete entries of one tool for this architecture, newest version first. */
    public List<Entry> list(String tool) throws IOException {
        Path t = root.resolve(tool.toLowerCase(Locale.ROOT));
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(t)) return out;
        try (Stream<Path> versions = Files.list(t)) {
            for (Path v : versions.toList()) {
                Path p = v.resolve(arch);
                if (Files.isDirectory(p) && Files.exists(v.resolve(arch + ".complete"))) {
                    out.add(new Entry(
                            t.getFileName().toString(), v.getFileName().toString(), arch, p));
                }
            }
        }
        out.sort(Comparator.comparing(Entry::version, Versions::compare)
                .thenComparing(Entry::version)
                .reversed());
        return out;
    }

    /** The highest version of {@code tool} that satisfies {@code spec}. */
    public Optional<Entry> find(String tool, String spec) throws IOException {
        for (Entry e : list(tool)) {
            if (Versions.matches(e.version(), spec)) return Optional.of(e);
        }
        return Optional.empty();
    }
}
