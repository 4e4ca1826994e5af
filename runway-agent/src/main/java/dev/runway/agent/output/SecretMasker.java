package dev.runway.agent.output;

import dev.runway.protocol.TokenPrefixes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Replaces secret values with {@code ***} in job output (issue 5). Each registered value is matched as itself, as
 * each of its lines, base64-encoded at any of the three byte alignments, URL-encoded and JSON-escaped (each in the
 * spellings {@link SecretForms} lists); Runway tokens
 * ({@link TokenPrefixes#ALL} followed by at least {@value #TOKEN_MIN_CHARS} token characters) are masked without
 * being registered. Overlapping and adjacent matches merge into one {@code ***}, so no part of a secret survives.
 *
 * <p>The matcher is an Aho–Corasick automaton over UTF-8 bytes, written here rather than taken from a library: it is
 * the core of what keeps secrets out of logs, it must work on raw bytes (step output need not be valid UTF-8, and
 * bytes that match nothing pass through untouched), and one pass must cost the same with one secret or with
 * hundreds of them — a loop of {@code String.replace} costs a pass per pattern. Registration rebuilds the automaton
 * lazily (on the next scan), so registering many values at once costs one build; scans read an immutable automaton
 * through a volatile field and take no lock.
 */
public final class SecretMasker {
    /** Values shorter than this (in characters) are not masked: they would mask ordinary words and numbers. */
    public static final int MIN_LENGTH = 4;
    /** A Runway token is its prefix and at least this many characters of {@code [A-Za-z0-9_-]}. */
    static final int TOKEN_MIN_CHARS = 16;

    static final byte[] MASK = "***".getBytes(StandardCharsets.US_ASCII);
    private static final int TOKEN_PREFIX_LENGTH = 4;

    /** Patterns as ISO-8859-1 strings: one char per byte, so a set of them de-duplicates byte sequences. */
    private final Set<String> patterns = new LinkedHashSet<>();

    private int values;
    private volatile MaskAutomaton automaton;

    /**
     * Registers {@code value} and its derived forms; false (nothing registered) when it is shorter than {@link
     * #MIN_LENGTH} characters once stripped, so the caller can warn.
     */
    public boolean add(String value) {
        if (value == null || value.strip().length() < MIN_LENGTH) return false;
        Set<String> forms = new LinkedHashSet<>();
        forms.add(value);
        forms.add(value.strip());
        for (String line : value.split("\\R")) {
            if (!line.isBlank()) {
                forms.add(line);
                forms.add(line.strip());
            }
        }
        List<byte[]> derived = new ArrayList<>();
        for (String f : forms) {
            if (f.length() < MIN_LENGTH) continue;
            byte[] utf8 = f.getBytes(StandardCharsets.UTF_8);
            derived.add(utf8);
            for (String b64 : base64Forms(utf8)) derived.add(ascii(b64));
            for (String url : SecretForms.url(f)) derived.add(ascii(url));
            for (String json : SecretForms.json(f)) derived.add(json.getBytes(StandardCharsets.UTF_8));
        }
        synchronized (this) {
            for (byte[] p : derived) {
                if (p.length >= MIN_LENGTH) patterns.add(new String(p, StandardCharsets.ISO_8859_1));
            }
            values++;
            automaton = null;
        }
        return true;
    }

    /** How many values were registered. */
    public synchronized int size() {
        return values;
    }

    /** How many byte patterns those values became (each form and encoding, de-duplicated). */
    public synchronized int patterns() {
        return patterns.size();
    }

    /**
     * The base64 text that stands for {@code v} wherever it sits in an encoded stream: its own encoding (padded), and
     * for each of the three alignments the characters that depend on {@code v}'s bytes alone — those mixed with the
     * unknown bytes before or after it are dropped.
     */
    static List<String> base64Forms(byte[] v) {
        List<String> out = new ArrayList<>();
        Base64.Encoder enc = Base64.getEncoder();
        out.add(enc.encodeToString(v));
        for (int lead = 0; lead < 3; lead++) {
            byte[] b = new byte[lead + v.length];
            System.arraycopy(v, 0, b, lead, v.length);
            String s = enc.withoutPadding().encodeToString(b);
            int from = lead == 0 ? 0 : lead + 1; // 1 unknown byte spoils 2 chars, 2 bytes spoil 3
            int to = s.length() - (b.length % 3 == 0 ? 0 : 1); // the last char of a partial group needs later bytes
            if (to - from > 0) out.add(s.substring(from, to));
        }
        return out;
    }

    /** {@code s} with every match replaced by {@code ***}; the same instance when nothing matched. */
    public String mask(String s) {
        if (s == null || s.isEmpty()) return s;
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] m = mask(b, 0, b.length);
        return m == null ? s : new String(m, StandardCharsets.UTF_8);
    }

    /**
     * {@code b[off, off+len)} with every match replaced by {@code ***}, or null when nothing matched (the caller then
     * writes its bytes untouched; bytes outside matches are copied as they are, valid UTF-8 or not).
     */
    public byte[] mask(byte[] b, int off, int len) {
        int[] spans = find(b, off, len);
        if (spans.length == 0) return null;
        counted(spans, len);
        return replace(b, off, len, spans, len);
    }

    private final java.util.concurrent.atomic.AtomicLong masked = new java.util.concurrent.atomic.AtomicLong();

    /** Notes the spans that lie before {@code end} as masked (for {@link #masked()}). */
    void counted(int[] spans, int end) {
        int n = 0;
        for (int i = 0; i < spans.length && spans[i] < end; i += 2) n++;
        masked.addAndGet(n);
    }

    /** How many secret values (or tokens) this masker has replaced so far (SLI M10). */
    public long masked() {
        return masked.get();
    }

    /** The bytes of {@code b[off, off+end)} with the given spans (relative to {@code off}) that lie in it masked. */
    static byte[] replace(byte[] b, int off, int len, int[] spans, int end) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(end);
        int at = 0;
        for (int i = 0; i < spans.length && spans[i] < end; i += 2) {
            out.write(b, off + at, spans[i] - at);
            out.write(MASK, 0, MASK.length);
            at = Math.min(spans[i + 1], end);
        }
        out.write(b, off + at, end - at);
        return out.toByteArray();
    }

    /**
     * The merged spans to mask in {@code b[off, off+len)} as {@code [start0, end0, start1, end1, ...]}, relative to
     * {@code off}, sorted; empty when nothing matched.
     */
    public int[] find(byte[] b, int off, int len) {
        return automaton().find(b, off, len);
    }

    /**
     * How many trailing bytes of a partial line must be held back before writing the rest: a match ending in bytes
     * not yet written starts at most this far before the end of what has been seen.
     */
    public int holdBack() {
        return Math.max(automaton().longest(), TOKEN_PREFIX_LENGTH + TOKEN_MIN_CHARS) - 1;
    }

    /** Looks for registered values (not tokens) in a stream of bytes fed chunk by chunk, e.g. a file. */
    public Scan scan() {
        return new Scan(automaton());
    }

    /** One stream's scan: a match split across two chunks is found. */
    public static final class Scan {
        private final MaskAutomaton automaton;
        private int state;
        private boolean found;

        Scan(MaskAutomaton automaton) {
            this.automaton = automaton;
        }

        /** Feeds bytes; true once a registered value has been seen in the stream. */
        public boolean feed(byte[] b, int off, int len) {
            if (!found) {
                int s = automaton.search(b, off, len, state);
                if (s < 0) found = true;
                else state = s;
            }
            return found;
        }

        public boolean found() {
            return found;
        }
    }

    private MaskAutomaton automaton() {
        MaskAutomaton a = automaton;
        return a != null ? a : build();
    }

    private synchronized MaskAutomaton build() {
        if (automaton == null) {
            List<byte[]> secrets = new ArrayList<>(patterns.size());
            for (String p : patterns) secrets.add(p.getBytes(StandardCharsets.ISO_8859_1));
            List<byte[]> prefixes = new ArrayList<>();
            for (String p : TokenPrefixes.ALL) prefixes.add(ascii(p));
            automaton = new MaskAutomaton(secrets, prefixes, TOKEN_MIN_CHARS);
        }
        return automaton;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
