package dev.runway.workflow.parse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Test data copied into src/test/resources (with its licence), so the build does not depend on other checkouts. */
final class Resources {
    static Stream<Path> files(String dir, String suffix) {
        try {
            Path p = Path.of(Resources.class.getResource("/" + dir).toURI());
            return Files.list(p).filter(f -> f.toString().endsWith(suffix)).sorted();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Resources() {}
}
