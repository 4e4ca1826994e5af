package dev.runway.server.blobs;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: S3Proxy (Maven Central's {@code org.gaul:s3proxy}, jar with dependencies) with its
 * filesystem backend, started as a separate process on a loopback port with AWS v2/v4 signature checks on and its own
 * access key. It carries its own Jetty, so it never joins a class path; the build copies it to the path in the
 * system property {@code runway.s3proxy.jar}.
 */
public final class S3Proxy implements AutoCloseable {
    private final Process process;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final Path log;

    private S3Proxy(Process process, URI endpoint, String accessKey, String secretKey, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.log = log;
    }

    /** Starts one with its buckets under {@code dir}; returns once it answers on its port. */
    public static S3Proxy start(Path dir) throws IOException {
        String jar = System.getProperty("runway.s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar)))
            throw new IllegalStateException("S3Proxy jar not found at '" + jar + "' (system property"
                    + " runway.s3proxy.jar): run the tests through Maven, which copies it to target/s3proxy");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path data = Files.createDirectories(dir.resolve("buckets"));
        String accessKey = "runway-test";
        String secretKey = UUID.randomUUID().toString();
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + accessKey,
                        "s3proxy.credential=" + secretKey,
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + data,
                        ""));
        Path log = dir.resolve("s3proxy.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", jar, "--properties", conf.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        S3Proxy proxy = new S3Proxy(p, URI.create("http://127.0.0.1:" + port), accessKey, secretKey, log);
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("S3Proxy exited", () -> !p.isAlive())
                    .until(() -> listens(port));
        } catch (RuntimeException e) {
            proxy.close();
            throw new IllegalStateException("S3Proxy did not start; its log: " + Files.readString(log), e);
        }
        return proxy;
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The credentials it accepts, as the AWS SDK's default chain reads them from a process's environment. */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey);
    }

    public StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    /** A client of its own, for checks from outside the store under test. */
    public S3Client client() {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(credentials())
                // S3Proxy refuses the SDK's default trailing checksums, as the store under test knows
                .requestChecksumCalculation(
                        software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .build();
    }

    public void createBucket(String name) {
        try (S3Client c = client()) {
            c.createBucket(r -> r.bucket(name));
        }
    }

    /** Where {@code bucket} of this server lives in blob store settings (path style, as S3-compatible stores use). */
    public S3BlobStore.Config config(String bucket, String prefix) {
        return new S3BlobStore.Config(bucket, prefix, endpoint, "us-east-1", true);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Kills it (a store that goes away). */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
