package dev.runway.agent.output;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable Aho–Corasick automaton over bytes for {@link SecretMasker}. Text that holds no secret keeps the
 * automaton in its shallow states (with hundreds of patterns almost every byte starts one, and many pairs of bytes
 * continue one): those states — the root, depth 1 and 2, and any state with many edges — get a fully resolved row (a
 * DFA: one array read per byte, no failure links), indexed by byte class (each byte that occurs in some pattern, and
 * one class for all others). Deeper states, reached only while the text really follows a pattern, keep their one or
 * two edges in flat arrays and fall back along failure links. So the cost per byte stays nearly flat from 1 to
 * hundreds of secrets, and memory grows with the total length of the patterns. Each state knows the longest pattern
 * that ends there (its own or a suffix's), which is all masking needs: shorter matches ending at the same byte lie
 * inside it.
 */
final class MaskAutomaton {
    private static final int[] NO_SPANS = {};
    private static final int DENSE_DEPTH = 2;
    private static final int DENSE_EDGES = 4;
    /** In {@link #emit}: a token prefix ends at this state. */
    private static final int TOKEN = 1 << 30;

    private final int[] byteClass = new int[256]; // 0 for the bytes of no pattern
    private final int width; // classes, the length of a dense row
    private final int[] rowOf; // where the state's dense row starts in dense, or -1
    private final int[] dense;
    private final int[] edgeStart; // edges of state s: [edgeStart[s], edgeStart[s + 1])
    private final byte[] edgeByte;
    private final int[] edgeTarget;
    private final int[] fail;
    private final int[] emit; // longest secret ending at this state (0 for none), | TOKEN
    private final int longest;
    private final int tokenMinChars;
    private final int tokenPrefixLength;

    MaskAutomaton(List<byte[]> secrets, List<byte[]> tokenPrefixes, int tokenMinChars) {
        this.tokenMinChars = tokenMinChars;
        int total = 1;
        int max = 0;
        int prefixLength = 0;
        int classes = 1;
        for (byte[] p : secrets) {
            total += p.length;
            max = Math.max(max, p.length);
        }
        for (byte[] p : tokenPrefixes) {
            total += p.length;
            prefixLength = Math.max(prefixLength, p.length);
        }
        for (List<byte[]> list : List.of(secrets, tokenPrefixes)) {
            for (byte[] p : list) {
                for (byte b : p) if (byteClass[b & 0xff] == 0) byteClass[b & 0xff] = classes++;
            }
        }
        this.longest = max;
        this.tokenPrefixLength = prefixLength;
        this.width = classes;

        // the trie, children as linked lists while building
        Trie trie = new Trie(total);
        int[] out = new int[total];
        for (byte[] p : secrets) {
            int s = trie.insert(p);
            out[s] = Math.max(out[s], p.length);
        }
        for (byte[] p : tokenPrefixes) out[trie.insert(p)] |= TOKEN;
        int n = trie.count;

        // flat edges per state
        edgeStart = new int[n + 1];
        for (int s = 0; s < n; s++) {
            int c = 0;
            for (int k = trie.firstChild[s]; k >= 0; k = trie.nextSibling[k]) c++;
            edgeStart[s + 1] = edgeStart[s] + c;
        }
        edgeByte = new byte[edgeStart[n]];
        edgeTarget = new int[edgeStart[n]];
        for (int s = 0; s < n; s++) {
            int e = edgeStart[s];
            for (int k = trie.firstChild[s]; k >= 0; k = trie.nextSibling[k]) {
                edgeByte[e] = trie.label[k];
                edgeTarget[e++] = k;
            }
        }

        // which states get a dense row
        rowOf = new int[n];
        int rows = 0;
        for (int s = 0; s < n; s++) {
            boolean isDense = trie.depth[s] <= DENSE_DEPTH || edgeStart[s + 1] - edgeStart[s] >= DENSE_EDGES;
            rowOf[s] = isDense ? rows++ * width : -1;
        }
        dense = new int[rows * width];

        // breadth first: failure links, outputs inherited along them, dense rows resolved through them
        fail = new int[n];
        emit = out;
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        queue[tail++] = 0;
        while (head < tail) {
            int s = queue[head++];
            if (s != 0) {
                int f = fail[s];
                if ((emit[s] & ~TOKEN) == 0) emit[s] |= emit[f] & ~TOKEN;
                emit[s] |= emit[f] & TOKEN;
            }
            if (rowOf[s] >= 0) {
                int row = rowOf[s];
                if (s != 0) for (int c = 0; c < width; c++) dense[row + c] = resolved(fail[s], c);
                for (int e = edgeStart[s]; e < edgeStart[s + 1]; e++)
                    dense[row + byteClass[edgeByte[e] & 0xff]] = edgeTarget[e];
            }
            for (int e = edgeStart[s]; e < edgeStart[s + 1]; e++) {
                int t = edgeTarget[e];
                fail[t] = s == 0 ? 0 : step(fail[s], edgeByte[e] & 0xff);
                queue[tail++] = t;
            }
        }
    }

    /** The trie of the patterns while the automaton is built. */
    private static final class Trie {
        final int[] firstChild;
        final int[] nextSibling;
        final byte[] label;
        final int[] depth;
        int count = 1;

        Trie(int capacity) {
            firstChild = new int[capacity];
            nextSibling = new int[capacity];
            label = new byte[capacity];
            depth = new int[capacity];
            Arrays.fill(firstChild, -1);
        }

        int insert(byte[] p) {
            int s = 0;
            for (byte b : p) {
                int k = firstChild[s];
                while (k >= 0 && label[k] != b) k = nextSibling[k];
                if (k < 0) {
                    k = count++;
                    label[k] = b;
                    depth[k] = depth[s] + 1;
                    nextSibling[k] = firstChild[s];
                    firstChild[s] = k;
                }
                s = k;
            }
            return s;
        }
    }

    /** The transition on byte class {@code c} from a state shallower than the one being built. */
    private int resolved(int s, int c) {
        while (rowOf[s] < 0) {
            for (int e = edgeStart[s]; e < edgeStart[s + 1]; e++) {
                if (byteClass[edgeByte[e] & 0xff] == c) return edgeTarget[e];
            }
            s = fail[s];
        }
        return dense[rowOf[s] + c];
    }

    /** The automaton's transition from state {@code s} on byte {@code b}. */
    private int step(int s, int b) {
        while (true) {
            int row = rowOf[s];
            if (row >= 0) return dense[row + byteClass[b]];
            for (int e = edgeStart[s], end = edgeStart[s + 1]; e < end; e++) {
                if ((edgeByte[e] & 0xff) == b) return edgeTarget[e];
            }
            s = fail[s];
        }
    }

    /** The length of the longest registered secret (0 when none). */
    int longest() {
        return longest;
    }

    /** Merged spans to mask, relative to {@code off}: secrets and whole Runway tokens. */
    int[] find(byte[] b, int off, int len) {
        int[] spans = NO_SPANS;
        int n = 0;
        int s = 0;
        int end = off + len;
        for (int i = off; i < end; i++) {
            int row = rowOf[s];
            s = row >= 0 ? dense[row + byteClass[b[i] & 0xff]] : step(s, b[i] & 0xff);
            int out = emit[s];
            if (out == 0) continue;
            int m = out & ~TOKEN;
            int from = Integer.MAX_VALUE;
            int to = 0;
            if (m > 0) {
                from = i + 1 - m;
                to = i + 1;
            }
            if ((out & TOKEN) != 0) {
                int j = i + 1;
                while (j < end && tokenChar(b[j])) j++;
                if (j - (i + 1) >= tokenMinChars) {
                    from = Math.min(from, i + 1 - tokenPrefixLength);
                    to = Math.max(to, j);
                }
            }
            if (to == 0) continue;
            from -= off;
            to -= off;
            // merge with earlier spans that this one overlaps or touches (a longer match can reach back past them)
            while (n > 0 && from <= spans[n - 1]) {
                from = Math.min(from, spans[n - 2]);
                to = Math.max(to, spans[n - 1]);
                n -= 2;
            }
            if (n + 2 > spans.length) spans = Arrays.copyOf(spans, Math.max(8, spans.length * 2));
            spans[n++] = from;
            spans[n++] = to;
        }
        return n == spans.length ? spans : Arrays.copyOf(spans, n);
    }

    /** Runs from state {@code s} over the bytes; the state reached, or -1 as soon as a secret ends. */
    int search(byte[] b, int off, int len, int s) {
        for (int i = off, end = off + len; i < end; i++) {
            int row = rowOf[s];
            s = row >= 0 ? dense[row + byteClass[b[i] & 0xff]] : step(s, b[i] & 0xff);
            if ((emit[s] & ~TOKEN) != 0) return -1;
        }
        return s;
    }

    private static boolean tokenChar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
}
