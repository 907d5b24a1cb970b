package dev.ctxtestkit.workerd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the workerd binary: the system property {@value #PROPERTY}, else the environment variable {@value #ENV},
 * else the project-local install of {@code scripts/install-workerd.sh} ({@code .tools/workerd}), searched from the
 * working directory upwards (so tests running in a module directory find the repository's install).
 */
public final class WorkerdBinary {
    public static final String PROPERTY = "ctx.workerd.path";
    public static final String ENV = "WORKERD_PATH";
    /** What to tell a user who has none. */
    public static final String HOW_TO_INSTALL = "workerd is not installed: run scripts/install-workerd.sh, or set -D" + PROPERTY
            + " (or $" + ENV + ") to a workerd binary";

    private WorkerdBinary() {
    }

    /** The binary, if one can be found and executed. */
    public static Optional<Path> find() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path modules = dir.resolve(".tools/workerd/node_modules/@cloudflare");
            if (Files.isDirectory(modules)) {
                try (DirectoryStream<Path> platforms = Files.newDirectoryStream(modules, "workerd-*")) {
                    for (Path platform : platforms) {
                        Path binary = platform.resolve("bin/workerd");
                        if (Files.isExecutable(binary)) {
                            return Optional.of(binary);
                        }
                    }
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The binary, or an exception that says how to install one. */
    public static Path require() {
        return find().orElseThrow(() -> new IllegalStateException(HOW_TO_INSTALL));
    }
}
