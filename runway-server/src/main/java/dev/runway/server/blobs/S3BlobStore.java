package dev.runway.server.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs in an S3 bucket (AWS S3 or an S3-compatible store: MinIO, Ceph RGW, Garage, S3Proxy), under an optional key
 * prefix, shared by every replica on one database. A put is one PUT of the received file (S3 makes an object visible
 * whole or not at all). Checksums are sent and checked only where the S3 API requires them, the setting the
 * S3-compatible stores understand; the server keeps its own SHA-256 of every body in the database.
 *
 * <p>Credentials come from the AWS SDK's default chain (the environment's {@code AWS_ACCESS_KEY_ID} and {@code
 * AWS_SECRET_ACCESS_KEY}, {@code ~/.aws/credentials}, a web identity or instance role), never from flags or the
 * config file.
 */
public final class S3BlobStore implements BlobStore {
    /**
     * Where the bucket is.
     *
     * @param bucket the bucket's name (it must exist: Runway does not create buckets)
     * @param prefix key prefix inside the bucket ("" or ending in '/'), so one bucket can serve several installations
     * @param endpoint the S3 API's address for an S3-compatible store; null means AWS's own for the region
     * @param region the region to sign for (S3-compatible stores mostly accept any; default us-east-1)
     * @param pathStyle bucket in the path ({@code http://host/bucket/key}) rather than the host name, as most
     *     S3-compatible stores need
     */
    public record Config(String bucket, String prefix, URI endpoint, String region, boolean pathStyle) {
        public Config {
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))
                throw new IllegalArgumentException("S3 bucket name '" + bucket
                        + "' is not valid (3 to 63 lower-case letters, digits, '.' and '-')");
            prefix = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
            if (!prefix.isEmpty() && BlobStore.checkKey(prefix.substring(0, prefix.length() - 1)) != null)
                throw new IllegalArgumentException(
                        "S3 key prefix '" + prefix + "' must be segments of letters, digits, '.', '_' and '-'");
            if (endpoint != null
                    && (endpoint.getHost() == null
                            || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))))
                throw new IllegalArgumentException("S3 endpoint '" + endpoint + "' is not an http(s) URL");
            if (region == null || region.isBlank()) region = "us-east-1";
        }

        /** {@code s3://bucket/prefix}. */
        public String url() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    private final Config config;
    private final S3Client s3;
    private final Path incoming;

    private S3BlobStore(Config config, S3Client s3, Path incoming) {
        this.config = config;
        this.s3 = s3;
        this.incoming = incoming;
    }

    /**
     * A store on {@code config}'s bucket, with credentials from the default chain; checked at once (the bucket must
     * exist and the credentials must reach it), so a wrong setting fails the start with a reason, not the first
     * upload.
     */
    public static S3BlobStore connect(Config config, Path incoming) {
        return connect(config, DefaultCredentialsProvider.builder().build(), incoming);
    }

    static S3BlobStore connect(Config config, AwsCredentialsProvider credentials, Path incoming) {
        var b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (config.endpoint() != null) b.endpointOverride(config.endpoint());
        S3Client s3;
        try {
            s3 = b.build();
        } catch (SdkException e) {
            throw new IllegalStateException("blob store " + config.url() + ": " + e.getMessage(), e);
        }
        S3BlobStore store = new S3BlobStore(config, s3, incoming);
        try {
            s3.headBucket(r -> r.bucket(config.bucket()));
        } catch (SdkException e) {
            s3.close();
            throw new IllegalStateException(store.why(e, "cannot use the bucket"), e);
        }
        return store;
    }

    private String object(String key) {
        return config.prefix() + BlobStore.requireKey(key);
    }

    @Override
    public void put(String key, Path from) throws IOException {
        try {
            long size = Files.size(from);
            s3.putObject(
                    r -> r.bucket(config.bucket()).key(object(key)).contentLength(size), RequestBody.fromFile(from));
        } catch (SdkException e) {
            throw new IOException(why(e, "cannot store " + key), e);
        } finally {
            Files.deleteIfExists(from);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return s3.getObject(r -> r.bucket(config.bucket()).key(object(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(describe() + key);
        } catch (SdkException e) {
            throw new IOException(why(e, "cannot read " + key), e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        try {
            try {
                s3.headObject(r -> r.bucket(config.bucket()).key(object(key)));
            } catch (NoSuchKeyException e) {
                return false;
            } catch (S3Exception e) {
                if (e.statusCode() == 404) return false;
                throw e;
            }
            s3.deleteObject(r -> r.bucket(config.bucket()).key(object(key)));
            return true;
        } catch (SdkException e) {
            throw new IOException(why(e, "cannot delete " + key), e);
        }
    }

    @Override
    public List<Blob> list(String prefix) throws IOException {
        List<Blob> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(
                            r -> r.bucket(config.bucket()).prefix(config.prefix() + prefix))
                    .contents())
                // folder markers ("a/b/", made by consoles and some stores) and objects no key of ours names are
                // someone else's: never listed, so never swept
                if (BlobStore.checkKey(o.key().substring(config.prefix().length())) == null)
                    out.add(new Blob(
                            o.key().substring(config.prefix().length()),
                            o.size(),
                            o.lastModified().toEpochMilli()));
        } catch (SdkException e) {
            throw new IOException(why(e, "cannot list " + prefix), e);
        }
        return out;
    }

    @Override
    public Path incoming() {
        return incoming;
    }

    @Override
    public String describe() {
        return config.url() + (config.endpoint() == null ? "" : " at " + config.endpoint());
    }

    /** What went wrong, in words an operator can act on. */
    private String why(SdkException e, String doing) {
        String reason;
        if (e instanceof S3Exception s) {
            reason = switch (s.statusCode()) {
                case 403 -> "access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy)";
                case 404 -> "the bucket '" + config.bucket() + "' does not exist (create it first)";
                case 301, 307 -> "the bucket is in another region than '" + config.region() + "'";
                default ->
                    "HTTP " + s.statusCode() + " "
                            + (s.awsErrorDetails() == null
                                    ? s.getMessage()
                                    : s.awsErrorDetails().errorMessage());
            };
        } else if (e instanceof SdkClientException c
                && String.valueOf(c.getMessage()).contains("Unable to load credentials")) {
            reason = "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the server's environment"
                    + " (or use ~/.aws/credentials, a web identity or an instance role)";
        } else if (e instanceof SdkClientException c) {
            reason = c.getMessage();
        } else reason = e.getMessage();
        return "blob store " + describe() + ": " + doing + ": " + reason;
    }

    @Override
    public void close() {
        s3.close();
    }
}
