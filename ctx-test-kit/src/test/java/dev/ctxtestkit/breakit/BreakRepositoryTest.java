package dev.ctxtestkit.breakit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The repository itself: what a fresh clone contains. */
class BreakRepositoryTest {

    @Test
    void noSourceFileIsGitIgnored() throws Exception {
        Path module = Path.of("").toAbsolutePath(); // Surefire runs in the module directory
        Path sources = module.resolve("src/main/java");
        assumeTrue(Files.isDirectory(sources), "run from the ctx-test-kit module directory");
        List<String> ignored = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Integer status = gitCheckIgnore(module, module.relativize(file).toString());
                assumeTrue(status != null, "git is not available");
                if (status == 0) {
                    ignored.add(module.relativize(file).toString());
                }
            }
        }
        assertThat(ignored).as("source files that git ignores (never committed)").isEmpty();
    }

    /** The exit status of {@code git check-ignore -q --no-index path}: 0 ignored, 1 not ignored; null if git failed. */
    private static Integer gitCheckIgnore(Path dir, String path) throws InterruptedException {
        try {
            Process process = new ProcessBuilder("git", "check-ignore", "-q", "--no-index", path)
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            if (!process.waitFor(10, SECONDS)) {
                process.destroyForcibly();
                return null;
            }
            process.getInputStream().readAllBytes(); // drain
            int status = process.exitValue();
            return status == 0 || status == 1 ? status : null;
        } catch (IOException e) {
            return null;
        }
    }
}
