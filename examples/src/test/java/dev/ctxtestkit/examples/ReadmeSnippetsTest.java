package dev.ctxtestkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README's "Testing your handlers" snippets are real, compiled code: each appears verbatim in this module. */
class ReadmeSnippetsTest {
    private static final Path README = Path.of("../README.md");
    private static final Path SOURCES = Path.of("../examples/src"); // also right when compat-jupiter5 reruns this test

    @Test
    void everyJavaSnippetOfTestingYourHandlersIsCodeFromTheExamples() throws IOException {
        checkSection("## Testing your handlers", 3);
    }

    @Test
    void theWorkerdSnippetIsCodeFromTheExamples() throws IOException {
        checkSection("## Real workerd", 1);
    }

    private static void checkSection(String heading, int atLeast) throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf(heading);
        assertThat(start).as("README section '%s'", heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);

        List<String> snippets = new ArrayList<>();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            snippets.add(normalize(m.group(1)));
        }
        assertThat(snippets).hasSizeGreaterThanOrEqualTo(atLeast);

        String sources;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            StringBuilder all = new StringBuilder();
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                all.append(normalize(Files.readString(file))).append('\n');
            }
            sources = all.toString();
        }
        for (String snippet : snippets) {
            assertThat(sources).as("README snippet must appear verbatim in examples/src:%n%s", snippet).contains(snippet);
        }
    }

    private static String normalize(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> a + "\n" + b).orElse("");
    }
}
