package dev.runway.server.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FileBlobStoreTest extends BlobStoreContract {
    FileBlobStore store;

    @BeforeEach
    void open() {
        store = new FileBlobStore(tmp.resolve("data"));
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void foreign(String name) throws IOException {
        Path f = tmp.resolve("data").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "not a blob");
    }

    @Test
    void blobsAreFilesInThePreviousLayoutAndDeletingTheLastOfARunRemovesItsFolders() throws Exception {
        store.put("artifacts/run-1/h/j-1.zip", file(new byte[] {7}));
        assertThat(tmp.resolve("data/artifacts/run-1/h/j-1.zip")).hasBinaryContent(new byte[] {7});
        store.delete("artifacts/run-1/h/j-1.zip");
        assertThat(tmp.resolve("data/artifacts/run-1")).doesNotExist();
        assertThat(tmp.resolve("data/artifacts")).as("the kind's folder stays").isDirectory();
        assertThat(Files.isDirectory(store.incoming())).isTrue();
    }
}
