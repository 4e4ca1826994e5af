package dev.runway.agent.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.TokenPrefixes;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
    final SecretMasker masker = new SecretMasker();

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theValueItselfAndTheStrippedValue() {
        assertThat(masker.add("  s3cr3t-value \n")).isTrue();
        assertThat(masker.mask("token: s3cr3t-value.")).isEqualTo("token: ***.");
        assertThat(masker.mask("nothing here")).isEqualTo("nothing here");
    }

    @Test
    void base64AtEveryAlignmentLeavesOnlyTheCharactersOfTheSurroundingBytes() {
        String secret = "correct horse battery staple é";
        masker.add(secret);
        Base64.Encoder enc = Base64.getEncoder();
        assertThat(masker.mask("Authorization: Basic " + enc.encodeToString(utf8(secret)) + "!"))
                .isEqualTo("Authorization: Basic ***!");
        for (int lead = 0; lead < 3; lead++) {
            for (int trail = 0; trail < 3; trail++) {
                byte[] before = "user:".substring(0, lead).getBytes(StandardCharsets.UTF_8);
                byte[] after = "@host".substring(0, trail).getBytes(StandardCharsets.UTF_8);
                String encoded = enc.encodeToString(concat(before, utf8(secret), after));
                String masked = masker.mask(encoded);
                // what survives: at most the characters of the 2 known bytes around it, one spoiled char each side
                String left = masked.replace("***", "");
                assertThat(masked)
                        .as("lead %d trail %d: %s", lead, trail, encoded)
                        .contains("***");
                assertThat(left.length())
                        .as("lead %d trail %d: %s -> %s", lead, trail, encoded, masked)
                        .isLessThanOrEqualTo(3 + 3 + 2);
            }
        }
    }

    @Test
    void base64FormsDropTheCharactersSpoiledByUnknownNeighbours() {
        byte[] v = utf8("abcdef");
        // "abcdef" -> YWJjZGVm; "?abcdef" -> PwYWJjZGVm..; the forms must occur in every alignment
        for (byte pre = 0; pre < 3; pre++) {
            for (int lead = 0; lead < 3; lead++) {
                byte[] b = new byte[lead + v.length + 2];
                for (int i = 0; i < lead; i++) b[i] = (byte) (pre * 77 + i);
                System.arraycopy(v, 0, b, lead, v.length);
                b[lead + v.length] = pre;
                b[lead + v.length + 1] = (byte) 0xfe;
                String encoded = Base64.getEncoder().encodeToString(b);
                List<String> forms = SecretMasker.base64Forms(v);
                assertThat(forms.stream().skip(1).anyMatch(encoded::contains))
                        .as("alignment %d in %s (forms %s)", lead, encoded, forms)
                        .isTrue();
            }
        }
    }

    @Test
    void urlEncodedBothWays() {
        String secret = "p@ss w/rd&x=é+";
        masker.add(secret);
        String plus = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        assertThat(plus).contains("+");
        assertThat(masker.mask("GET /?q=" + plus + "&y=1")).isEqualTo("GET /?q=***&y=1");
        assertThat(masker.mask("GET /?q=" + plus.replace("+", "%20") + "&y=1")).isEqualTo("GET /?q=***&y=1");
    }

    @Test
    void jsonEscapedAsJacksonWritesIt() throws Exception {
        String secret = "quote\" back\\slash\ttab\u0001ctl\nsecond line";
        masker.add(secret);
        String json = new ObjectMapper().writeValueAsString(Map.of("k", secret));
        assertThat(masker.mask(json)).isEqualTo("{\"k\":\"***\"}");
    }

    /** What real encoders write for it's*a~sécret/ ☃\x01<&> (issue 16: %2A, %27 and \\uXXXX were not masked). */
    @Test
    void urlEncodedAndJsonEscapedAsPythonJavaScriptAndGoWriteIt() {
        String secret = "it's*a~s\u00e9cret/ \u2603\u0001<&>";
        masker.add(secret);
        for (String written : List.of(
                "it%27s%2Aa~s%C3%A9cret%2F%20%E2%98%83%01%3C%26%3E", // Python quote(s, safe="")
                "it%27s%2Aa~s%C3%A9cret/%20%E2%98%83%01%3C%26%3E", // Python quote(s)
                "it%27s%2Aa~s%C3%A9cret%2F+%E2%98%83%01%3C%26%3E", // Python quote_plus(s, safe=""), Go QueryEscape
                "it's*a~s%C3%A9cret%2F%20%E2%98%83%01%3C%26%3E", // JavaScript encodeURIComponent
                "it%27s%2aa~s%c3%a9cret%2f%20%e2%98%83%01%3c%26%3e", // lower-case hex
                "it's*a~s\\u00e9cret/ \\u2603\\u0001<&>", // json.dumps (ensure_ascii)
                "it's*a~s\u00e9cret/ \u2603\\u0001<&>", // JSON.stringify, json.dumps(ensure_ascii=False)
                "it's*a~s\\u00E9cret/ \\u2603\\u0001<&>", // upper-case hex
                "it's*a~s\\u00e9cret\\/ \\u2603\\u0001<&>", // PHP json_encode
                "it's*a~s\u00e9cret/ \u2603\\u0001\\u003c\\u0026\\u003e")) { // Go encoding/json
            assertThat(masker.mask("[" + written + "]")).as(written).isEqualTo("[***]");
        }
    }

    @Test
    void jsonWithEveryCharacterEscaped() {
        masker.add("s3cr3t-ABC");
        assertThat(masker.mask("\"\\u0073\\u0033\\u0063\\u0072\\u0033\\u0074\\u002d\\u0041\\u0042\\u0043\""))
                .isEqualTo("\"***\"");
        assertThat(masker.mask("\\u0073\\u0033\\u0063\\u0072\\u0033\\u0074\\u002D\\u0041\\u0042\\u0043"))
                .isEqualTo("***");
    }

    @Test
    void eachLineOfAMultiLineValue() {
        masker.add("-----BEGIN KEY-----\nMIIEvQIBADANBg\n  indented-line  \nab\n-----END KEY-----\n");
        assertThat(masker.mask("MIIEvQIBADANBg")).isEqualTo("***");
        assertThat(masker.mask("> indented-line <")).isEqualTo("> *** <");
        assertThat(masker.mask("-----END KEY-----")).isEqualTo("***");
        assertThat(masker.mask("ab cd")).as("a line shorter than the minimum").isEqualTo("ab cd");
    }

    @Test
    void valuesShorterThanTheMinimumAreNotRegistered() {
        assertThat(masker.add("abc")).isFalse();
        assertThat(masker.add("  ab  ")).isFalse();
        assertThat(masker.add(null)).isFalse();
        assertThat(masker.mask("abc ab")).isEqualTo("abc ab");
        assertThat(masker.size()).isZero();
        assertThat(masker.add("abcd")).isTrue();
        assertThat(masker.mask("abcd")).isEqualTo("***");
    }

    @Test
    void runwayTokensNeedNoRegistration() {
        for (String prefix : TokenPrefixes.ALL) {
            String token = prefix + "AbCdEf0123456789_-zZ";
            assertThat(masker.mask("Authorization: Bearer " + token + " end"))
                    .isEqualTo("Authorization: Bearer *** end");
            assertThat(masker.mask("x=" + token)).isEqualTo("x=***");
        }
        assertThat(masker.mask("rwa_0123456789abcde is short")).isEqualTo("rwa_0123456789abcde is short");
        assertThat(masker.mask("rwx_0123456789abcdef0123")).isEqualTo("rwx_0123456789abcdef0123");
    }

    @Test
    void overlappingMatchesMergeAndTheLongestWins() {
        masker.add("abcdef");
        masker.add("defghi");
        masker.add("pass");
        masker.add("password123");
        assertThat(masker.mask("xxabcdefghiyy")).isEqualTo("xx***yy");
        assertThat(masker.mask("my password123!")).isEqualTo("my ***!");
        assertThat(masker.mask("pass abcdef")).isEqualTo("*** ***");
    }

    @Test
    void aLaterLongerMatchSwallowsEarlierOnes() {
        masker.add("bcd1");
        masker.add("cde2");
        masker.add("abcd1cde2xyz");
        assertThat(masker.mask("_abcd1cde2xyz_")).isEqualTo("_***_");
    }

    @Test
    void bytesThatMatchNothingAreNotRewritten() {
        masker.add("secret-value");
        byte[] invalid = {(byte) 0xff, 'a', (byte) 0xc3, '\n'};
        assertThat(masker.mask(invalid, 0, invalid.length)).isNull();
        byte[] around = concat(new byte[] {(byte) 0xff}, utf8("secret-value"), new byte[] {(byte) 0xfe});
        assertThat(masker.mask(around, 0, around.length))
                .isEqualTo(concat(new byte[] {(byte) 0xff}, utf8("***"), new byte[] {(byte) 0xfe}));
    }

    @Test
    void fiveHundredSecrets() {
        Random r = new Random(5);
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String s = Long.toString(r.nextLong() & Long.MAX_VALUE, 36) + "-" + i;
            secrets.add(s);
            assertThat(masker.add(s)).isTrue();
        }
        StringBuilder text = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            text.append("line ").append(i).append(": ").append(secrets.get(i)).append(" done\n");
            expected.append("line ").append(i).append(": *** done\n");
        }
        assertThat(masker.mask(text.toString())).isEqualTo(expected.toString());
        String b64 = Base64.getEncoder().encodeToString(utf8(secrets.get(499)));
        assertThat(masker.mask("[" + b64 + "]")).isEqualTo("[***]");
    }

    @Test
    void aScanFindsAValueSplitAcrossChunks() {
        masker.add("secret-value");
        SecretMasker.Scan scan = masker.scan();
        assertThat(scan.feed(utf8("xx sec"), 0, 6)).isFalse();
        assertThat(scan.feed(utf8("ret-value yy"), 0, 12)).isTrue();
        SecretMasker.Scan clean = masker.scan();
        assertThat(clean.feed(utf8("secret-valu"), 0, 11)).isFalse();
        assertThat(clean.feed(utf8("rwa_0123456789abcdef0123"), 0, 24))
                .as("tokens are masked in logs, but are not registered values")
                .isFalse();
    }

    @Test
    void valuesAddedWhileOutputIsMaskedOnAnotherThread() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) masker.mask("some output with value-0001 in it");
        });
        for (int i = 0; i < 200; i++) masker.add("value-%04d".formatted(i));
        stop.set(true);
        reader.join();
        assertThat(masker.mask("value-0000 value-0199")).isEqualTo("*** ***");
        assertThat(masker.size()).isEqualTo(200);
    }

    @Test
    void theAutomatonAgreesWithABruteForceSearch() {
        Random r = new Random(11);
        for (int round = 0; round < 300; round++) {
            List<byte[]> patterns = new ArrayList<>();
            for (int k = 1 + r.nextInt(round < 150 ? 5 : 60); k > 0; k--)
                patterns.add(randomBytes(r, 4 + r.nextInt(6)));
            MaskAutomaton a = new MaskAutomaton(patterns, List.of(), 16);
            byte[] text = randomBytes(r, 200);
            boolean[] covered = new boolean[text.length + 1]; // touching matches make one span, as in find
            for (byte[] p : patterns) {
                for (int at = 0; at + p.length <= text.length; at++) {
                    if (Arrays.equals(text, at, at + p.length, p, 0, p.length)) {
                        for (int j = at; j < at + p.length; j++) covered[j] = true;
                    }
                }
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < text.length; i++) {
                if (covered[i] && (i == 0 || !covered[i - 1])) expected.add(i);
                if (covered[i] && !covered[i + 1]) expected.add(i + 1);
            }
            int[] spans = a.find(text, 0, text.length);
            assertThat(spans)
                    .as("round %d", round)
                    .containsExactly(
                            expected.stream().mapToInt(Integer::intValue).toArray());
            int state = a.search(text, 0, 100, 0);
            boolean found = state < 0 || a.search(text, 100, 100, state) < 0;
            assertThat(found).as("round %d", round).isEqualTo(!expected.isEmpty());
        }
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) "abc\u00ff".charAt(r.nextInt(4));
        return b;
    }
}
