package dev.runway.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The part of {@code --work-dir} the agent owns: the folder {@code <work-dir>/runway}, marked by a file {@value
 * #MARKER} naming Runway. Workspaces ({@code <job>-<attempt>}), log spools ({@code .spool}), step records ({@code
 * .steps}) and fetched actions ({@code .actions}) live there and nowhere else; clean-ups look only inside it, so
 * whatever else the work directory holds is never touched. A folder of that name the agent did not create is refused,
 * not adopted: its contents would be deleted as leftovers.
 */
final class WorkArea {
    static final String FOLDER = "runway";
    static final String MARKER = ".runway-agent";
    static final String MARKER_TEXT = "Created by the Runway agent (runway agent --work-dir). Everything in this folder"
            + " belongs to it and may be deleted by it at any time.\n";

    /** Where the agent's own folder is for this work directory (nothing is created). */
    static Path of(Path workDir) {
        return workDir.resolve(FOLDER);
    }

    /**
     * Creates the work directory and the agent's folder in it, marked as the agent's; returns the folder.
     *
     * @throws IOException with a reason for people when a folder of that name exists but is not the agent's
     */
    static Path claim(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        Path area = of(workDir);
        Path marker = area.resolve(MARKER);
        if (Files.isSymbolicLink(area) || (Files.exists(area, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(area)))
            throw new IOException(area + " exists and is not a folder the Runway agent created: move it away or"
                    + " choose another --work-dir");
        if (Files.isDirectory(area) && !Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) && !isEmpty(area))
            throw new IOException(area + " exists, is not empty and was not created by the Runway agent (it has no "
                    + MARKER + " file): the agent would delete its contents, so it will not use it. Move it away or"
                    + " choose another --work-dir");
        Files.createDirectories(area);
        if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) Files.writeString(marker, MARKER_TEXT);
        return area;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private WorkArea() {}
}
