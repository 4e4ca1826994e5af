package dev.runway.server.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every {@link BlobStore} promises, run against the data dir store and against a real S3 server. */
abstract class BlobStoreContract {
    @TempDir
    Path tmp;

    abstract BlobStore store();

    Path file(byte[] bytes) throws IOException {
        Path f = Files.createTempFile(Files.createDirectories(store().incoming()), ".test-", ".part");
        return Files.write(f, bytes);
    }

    /** Puts something no key of ours could name where the store keeps its blobs (an operator's, another tool's). */
    abstract void foreign(String name) throws IOException;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(BlobStore s, String key) throws IOException {
        try (InputStream in = s.open(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aPutBlobReadsBackByteForByteAndItsFileIsConsumed() throws Exception {
        byte[] body = random(5 * 1024 * 1024 + 7, 1);
        Path from = file(body);
        store().put("artifacts/run-1/abc/job-1-1.zip", from);
        assertThat(from).doesNotExist();
        assertThat(read(store(), "artifacts/run-1/abc/job-1-1.zip")).isEqualTo(body);
        assertThat(read(store(), "artifacts/run-1/abc/job-1-1.zip"))
                .as("read twice")
                .isEqualTo(body);
    }

    @Test
    void anEmptyBlobIsABlob() throws Exception {
        store().put("caches/empty.tgz", file(new byte[0]));
        assertThat(read(store(), "caches/empty.tgz")).isEmpty();
        assertThat(store().list("caches/")).extracting(BlobStore.Blob::size).containsExactly(0L);
    }

    @Test
    void aSecondPutReplacesTheFirstWhole() throws Exception {
        store().put("caches/k.tgz", file(random(100_000, 2)));
        byte[] second = random(10, 3);
        store().put("caches/k.tgz", file(second));
        assertThat(read(store(), "caches/k.tgz")).isEqualTo(second);
        assertThat(store().list("caches/")).hasSize(1);
    }

    @Test
    void aMissingBlobIsNoSuchFileAndDeletingItSaysSo() throws Exception {
        assertThatThrownBy(() -> store().open("artifacts/none/x.zip")).isInstanceOf(NoSuchFileException.class);
        assertThat(store().delete("artifacts/none/x.zip")).isFalse();
        store().put("artifacts/r/h/j-1.zip", file(new byte[] {1}));
        assertThat(store().delete("artifacts/r/h/j-1.zip")).isTrue();
        assertThat(store().delete("artifacts/r/h/j-1.zip")).isFalse();
        assertThatThrownBy(() -> store().open("artifacts/r/h/j-1.zip")).isInstanceOf(NoSuchFileException.class);
        assertThat(store().list("artifacts/")).isEmpty();
    }

    @Test
    void listFindsExactlyTheBlobsUnderAPrefixWithTheirSizes() throws Exception {
        long before = System.currentTimeMillis() - 5_000;
        store().put("artifacts/run-1/h1/j-1.zip", file(new byte[11]));
        store().put("artifacts/run-1/h2/j-1.zip", file(new byte[12]));
        store().put("artifacts/run-10/h1/j-1.zip", file(new byte[13]));
        store().put("caches/c.tgz", file(new byte[14]));
        // a body being received is no blob, nor is what no key of ours names
        file(new byte[99]);
        foreign("artifacts/run-1/notes about this run.txt");

        assertThat(store().list("artifacts/"))
                .extracting(BlobStore.Blob::key, BlobStore.Blob::size)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("artifacts/run-1/h1/j-1.zip", 11L),
                        org.assertj.core.groups.Tuple.tuple("artifacts/run-1/h2/j-1.zip", 12L),
                        org.assertj.core.groups.Tuple.tuple("artifacts/run-10/h1/j-1.zip", 13L));
        assertThat(store().list("artifacts/run-1/"))
                .extracting(BlobStore.Blob::key)
                .containsExactlyInAnyOrder("artifacts/run-1/h1/j-1.zip", "artifacts/run-1/h2/j-1.zip");
        assertThat(store().list("caches/")).extracting(BlobStore.Blob::key).containsExactly("caches/c.tgz");
        assertThat(store().list("nothing/")).isEmpty();
        assertThat(store().list("artifacts/"))
                .allSatisfy(b -> assertThat(b.modifiedAt()).isBetween(before, System.currentTimeMillis() + 5_000));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../escape",
                "artifacts/../../escape",
                "/etc/passwd",
                "artifacts//x",
                "a b",
                "",
                "caches/./x",
                "artifacts/x\u0000y",
                "artifacts/\u00e9",
                "incoming/.artifact-1.part"
            })
    void aKeyThatIsNotASafeRelativePathIsRefusedAndNothingIsWritten(String key) throws Exception {
        Path from = file(new byte[] {42});
        if (!key.equals("incoming/.artifact-1.part") || store() instanceof FileBlobStore) {
            assertThatThrownBy(() -> store().put(key, from)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store().open(key)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store().delete(key)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(tmp.resolve("escape")).doesNotExist();
        assertThat(store().list("")).isEmpty();
    }

    @Test
    void readersOfABlobBeingReplacedSeeTheOldOrTheNewBodyNeverAMix() throws Exception {
        byte[] a = random(2 * 1024 * 1024, 4);
        byte[] b = random(2 * 1024 * 1024, 5);
        store().put("caches/busy.tgz", file(a));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 6; i++) store().put("caches/busy.tgz", file(i % 2 == 0 ? b : a));
                return null;
            });
            while (!writer.isDone()) {
                byte[] got = read(store(), "caches/busy.tgz");
                assertThat(java.util.Arrays.equals(got, a) || java.util.Arrays.equals(got, b))
                        .as("a whole version (got " + got.length + " bytes)")
                        .isTrue();
            }
            writer.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
