package dev.runway.server.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 store against S3Proxy, a real S3 server in its own process (filesystem backend, signatures checked). */
class S3BlobStoreTest extends BlobStoreContract {
    @TempDir
    static Path serverDir;

    static S3Proxy s3;
    S3BlobStore store;
    String bucket;

    @BeforeAll
    static void startS3() throws IOException {
        s3 = S3Proxy.start(serverDir);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) s3.close();
    }

    @BeforeEach
    void open() {
        bucket = "b-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(bucket);
        store = S3BlobStore.connect(s3.config(bucket, "site-a"), s3.credentials(), tmp.resolve("incoming"));
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void foreign(String name) {
        try (S3Client c = s3.client()) {
            c.putObject(
                    r -> r.bucket(bucket).key("site-a/" + name),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
        }
    }

    @Test
    void objectsLiveUnderThePrefixSoTwoInstallationsShareABucketApart() throws Exception {
        store.put("caches/x.tgz", file(new byte[] {1, 2}));
        try (S3BlobStore other =
                S3BlobStore.connect(s3.config(bucket, "site-b/"), s3.credentials(), tmp.resolve("incoming"))) {
            other.put("caches/y.tgz", file(new byte[] {3}));
            assertThat(other.list("caches/")).extracting(BlobStore.Blob::key).containsExactly("caches/y.tgz");
            assertThat(store.list("caches/")).extracting(BlobStore.Blob::key).containsExactly("caches/x.tgz");
        }
        try (S3Client c = s3.client()) {
            assertThat(c.listObjectsV2(r -> r.bucket(bucket)).contents().stream()
                            .map(S3Object::key)
                            .filter(k -> !k.endsWith("/")) // S3Proxy's folder markers
                            .toList())
                    .containsExactlyInAnyOrder("site-a/caches/x.tgz", "site-b/caches/y.tgz");
        }
    }

    @Test
    void aBucketThatDoesNotExistFailsTheStartWithWhatToDo() {
        assertThatThrownBy(() -> S3BlobStore.connect(s3.config("no-such-bucket", ""), s3.credentials(), tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("s3://no-such-bucket/")
                .hasMessageContaining("the bucket 'no-such-bucket' does not exist (create it first)");
    }

    @Test
    void wrongCredentialsFailTheStartNamingWhereTheyComeFrom() {
        var wrong = StaticCredentialsProvider.create(AwsBasicCredentials.create("runway-test", "not-the-secret"));
        assertThatThrownBy(() -> S3BlobStore.connect(s3.config(bucket, ""), wrong, tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
                .hasMessageNotContaining("not-the-secret");
    }

    @Test
    void anEndpointWhereNothingListensFailsTheStartNamingIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + port);
        assertThatThrownBy(() -> S3BlobStore.connect(
                        new S3BlobStore.Config(bucket, "", nowhere, null, true), s3.credentials(), tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("blob store s3://" + bucket + "/ at " + nowhere + ": cannot use the bucket");
    }

    @Test
    void badSettingsAreRefusedBeforeAnyRequest() {
        assertThatThrownBy(() -> new S3BlobStore.Config("Bad_Bucket", "", null, null, false))
                .hasMessageContaining("S3 bucket name 'Bad_Bucket' is not valid");
        assertThatThrownBy(() -> new S3BlobStore.Config("ok-bucket", "../up", null, null, false))
                .hasMessageContaining("S3 key prefix '../up/' must be segments");
        assertThatThrownBy(() -> new S3BlobStore.Config("ok-bucket", "", URI.create("ftp://h/"), null, false))
                .hasMessageContaining("S3 endpoint 'ftp://h/' is not an http(s) URL");
    }

    @Test
    void whenTheStoreGoesAwayReadsAndWritesFailWithAnIoErrorNamingIt(@TempDir Path own) throws Exception {
        S3Proxy dying = S3Proxy.start(own);
        dying.createBucket("dying");
        try (S3BlobStore s = S3BlobStore.connect(dying.config("dying", ""), dying.credentials(), own)) {
            s.put("caches/a.tgz", file(new byte[] {1}));
            dying.close();
            Path from = file(new byte[] {2});
            assertThatThrownBy(() -> s.open("caches/a.tgz"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "blob store s3://dying/ at " + dying.endpoint() + ": cannot read caches/a.tgz");
            assertThatThrownBy(() -> s.put("caches/b.tgz", from))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot store caches/b.tgz");
            assertThat(from).as("a failed put leaves no local file behind").doesNotExist();
        }
        assertThat(Files.exists(own)).isTrue();
    }
}
