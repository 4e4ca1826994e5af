package dev.runway.cli;

import dev.runway.scaler.config.YamlTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import picocli.CommandLine;

/**
 * Where option values come from when the command line does not give them, in this order: the environment variable
 * {@code RUNWAY_<OPTION_NAME>} (e.g. {@code --lease-timeout} → {@code RUNWAY_LEASE_TIMEOUT}), then the YAML config
 * file ({@code --config FILE} or {@code RUNWAY_CONFIG}; keys are the option names without dashes, e.g.
 * {@code lease-timeout: 30s}), then the option's built-in default. Flags always win. The file is YAML 1.2
 * ({@link YamlTree#compose}); values are taken as written, before YAML gives them a type.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    /** A config-file value and where it was written (for error messages). */
    record Entry(String value, String where) {}

    private final Map<String, String> env;
    private final Map<String, Entry> file;
    private final Path configPath;

    ConfigDefaults(Map<String, String> env, Path configPath) {
        this.env = env;
        this.configPath = configPath;
        this.file = configPath == null ? Map.of() : load(configPath);
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec opt)) return arg.defaultValue();
        String name = key(opt);
        if (name.equals("config") || name.equals("help") || name.equals("version")) return opt.defaultValue();
        String v = env.get(envName(name));
        if (v != null && !v.isEmpty()) return v;
        Entry e = file.get(name);
        if (e != null) return e.value();
        return opt.defaultValue();
    }

    /** Keys of the config file that no option of {@code spec} takes: each one is reported with its line. */
    void checkKeys(CommandLine.Model.CommandSpec spec) {
        for (Map.Entry<String, Entry> e : file.entrySet()) {
            boolean known = spec.options().stream().anyMatch(o -> key(o).equals(e.getKey()));
            if (!known) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        e.getValue().where() + ": unknown key '"
                                + e.getKey() + "' for `runway " + spec.name() + "` (known: "
                                + String.join(
                                        ", ",
                                        spec.options().stream()
                                                .map(ConfigDefaults::key)
                                                .filter(k -> !k.equals("help")
                                                        && !k.equals("version")
                                                        && !k.equals("config"))
                                                .toList())
                                + ")");
            }
        }
    }

    static String key(CommandLine.Model.OptionSpec o) {
        return o.longestName().replaceFirst("^-+", "");
    }

    static String envName(String key) {
        return "RUNWAY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static Map<String, Entry> load(Path path) {
        String file = path.toString();
        try {
            Node root = YamlTree.compose(Files.readString(path));
            Map<String, Entry> out = new LinkedHashMap<>();
            if (root == null) return out;
            if (!(root instanceof MappingNode map)) {
                throw new ConfigError(file + ":" + line(root) + ": expected a mapping of option names to values");
            }
            for (NodeTuple t : map.getValue()) {
                Node k = t.getKeyNode();
                Node v = t.getValueNode();
                String where = file + ":" + line(k);
                if (!(k instanceof ScalarNode ks)) throw new ConfigError(where + ": keys must be plain option names");
                String value;
                if (v instanceof ScalarNode vs) {
                    value = vs.getValue();
                } else if (v instanceof SequenceNode seq) {
                    value = String.join(
                            ",",
                            seq.getValue().stream()
                                    .map(n -> n instanceof ScalarNode s ? s.getValue() : "")
                                    .toList());
                } else {
                    throw new ConfigError(
                            file + ":" + line(v) + ": value of '" + ks.getValue() + "' must be a scalar or a list");
                }
                out.put(ks.getValue(), new Entry(value, where));
            }
            return out;
        } catch (YamlTree.YamlException e) {
            throw new ConfigError(file + ":" + e.getMessage());
        } catch (IOException e) {
            throw new ConfigError("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    private static String line(Node n) {
        return n.getStartMark()
                .map(m -> (m.getLine() + 1) + ":" + (m.getColumn() + 1))
                .orElse("1:1");
    }

    Path configPath() {
        return configPath;
    }

    /** A config file that cannot be used; the message starts with file:line:column. */
    static final class ConfigError extends RuntimeException {
        ConfigError(String m) {
            super(m);
        }
    }
}
