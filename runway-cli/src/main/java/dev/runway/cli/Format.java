package dev.runway.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Tables and human durations for terminal output. */
final class Format {
    static String duration(Long ms) {
        if (ms == null) return "-";
        if (ms < 1000) return ms + "ms";
        Duration d = Duration.ofMillis(ms);
        if (d.toMinutes() < 1) return String.format("%.1fs", ms / 1000.0);
        if (d.toHours() < 1) return d.toMinutes() + "m" + d.toSecondsPart() + "s";
        return d.toHours() + "h" + d.toMinutesPart() + "m";
    }

    static String age(Instant t, Instant now) {
        return t == null ? "-" : duration(Duration.between(t, now).toMillis()) + " ago";
    }

    static String table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] w = new int[header.size()];
        for (List<String> r : all)
            for (int i = 0; i < r.size(); i++)
                w[i] = Math.max(w[i], r.get(i) == null ? 1 : r.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                String c = r.get(i) == null ? "-" : r.get(i);
                sb.append(i == r.size() - 1 ? c : String.format("%-" + (w[i] + 2) + "s", c));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private Format() {}

    /** One annotation as a line: {@code error  step: message (file:line:col)}. */
    static String annotation(dev.runway.protocol.Annotation a) {
        String where = a.file() == null
                ? ""
                : " (" + a.file() + (a.line() == null ? "" : ":" + a.line())
                        + (a.column() == null ? "" : ":" + a.column()) + ")";
        return String.format(
                "%-8s %s%s%s%s",
                a.level(),
                a.step() == null ? "" : a.step() + ": ",
                a.title() == null ? "" : a.title() + ": ",
                a.message().replace("\n", "\n         "),
                where);
    }
}
