package dev.ctxtestkit.conformance.cli;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectUniqueId;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.Verdict;
import dev.ctxtestkit.conformance.engine.ConformanceTestEngine;
import dev.ctxtestkit.conformance.engine.RuleFilter;
import dev.ctxtestkit.conformance.engine.TargetFactory;
import dev.ctxtestkit.conformance.report.ConformanceReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The main job: runs the conformance engine against a target on the JUnit Platform, prints one line per rule and
 * the totals, writes JSON and Markdown reports with {@code --report-dir}, and exits with the status its help text
 * lists (1 if a required rule failed, 2 for bad usage, 4 if nothing was checked).
 */
public final class ConformanceMain {
    static final String USAGE = String.join("\n",
            "usage: ctx-conformance [options]",
            "       ctx-conformance serve [--help] ...   (serve a worker over HTTP)",
            "",
            "Checks an implementation against the rules of ctx-semantics.md and prints one line per rule.",
            "",
            "options:",
            "  --target NAMES     comma-separated; each one of:",
            "                       reference       the Java reference runtime, in-process, virtual time (default)",
            "                       reference-http  the Java reference served over HTTP, observed black-box (real time, ~2 min)",
            "                       workerd         real workerd through the JavaScript probe (scripts/install-workerd.sh; ~1 min)",
            "                       http(s)://…     a probe worker running at that URL; its origin must reach the mock origin at",
            "                                       -Dctx.http.origin.address=host:port; -Dctx.http.profile=production|standalone",
            "                       a class name    of a dev.ctxtestkit.conformance.ConformanceTarget on the classpath (run",
            "                                       java -cp ctx-conformance.jar:<yours> dev.ctxtestkit.conformance.cli.ConformanceMain)",
            "                     with several targets, a side-by-side comparison follows",
            "  --rules IDS        only these rule ids or sections, comma-separated (e.g. WU-7,PT)",
            "  --report-dir DIR   also write conformance-<target>.json and .md into DIR (created if missing;",
            "                     <target> is the target's name in lower case, e.g. conformance-reference-in-process.json)",
            "  --verbose          print the full evidence of every failure (default: the first lines)",
            "  --list             list the rule catalogue (or the --rules selection) and exit",
            "  --help             show this help",
            "",
            "exit status: 0 no required rule failed; 1 a required rule failed; 2 bad usage or the target could not start;",
            "             3 the run did not complete (the target crashed, or the report could not be written);",
            "             4 nothing was checked: no selected rule passed or failed on a target");

    private ConformanceMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("serve")) {
            return ServeCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("ctx-conformance: " + e.getMessage());
            err.println();
            err.println(USAGE);
            return 2;
        }
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        RuleFilter filter;
        try {
            filter = RuleFilter.parse(options.rules);
        } catch (IllegalArgumentException e) {
            err.println("ctx-conformance: --rules " + e.getMessage());
            return 2;
        }
        List<Rule> selected = RuleCatalogue.all().stream().filter(filter::accepts).toList();
        if (selected.isEmpty()) {
            err.println("ctx-conformance: no rule matched '" + options.rules + "'; rule ids look like WU-7, sections like WU (see --list)");
            return 2;
        }
        if (options.list) {
            out.printf(Locale.ROOT, "%-7s %-8s %-20s %-7s %s%n", "RULE", "TIER", "CHECK", "TARGETS", "TITLE");
            for (Rule rule : selected) {
                out.printf(Locale.ROOT, "%-7s %-8s %-20s %-7s %s%n", rule.id(), rule.tier().name().toLowerCase(Locale.ROOT),
                        rule.check().text(), ConformanceReport.targetsLabel(rule.targets()), rule.title());
            }
            return 0;
        }
        if (options.reportDir.isPresent()) {
            String problem = unwritable(options.reportDir.get());
            if (problem != null) {
                err.println("ctx-conformance: cannot write reports to " + options.reportDir.get() + ": " + problem);
                return 2;
            }
        }
        List<String> targetNames = options.target == null ? List.of(TargetFactory.REFERENCE)
                : java.util.Arrays.stream(options.target.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        List<ConformanceTarget> targets = new ArrayList<>();
        for (String name : targetNames) {
            try {
                ConformanceTarget target = TargetFactory.create(name);
                target.close();
                targets.add(target);
            } catch (Exception e) {
                err.println("ctx-conformance: " + e.getMessage());
                return 2;
            }
        }
        int status = 0;
        List<List<Verdict>> all = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            ConformanceTarget target = targets.get(i);
            if (i > 0) {
                out.println();
                out.println("----------------------------------------------------------------------------------------");
            }
            out.println("ctx-test-kit conformance: target " + target.name() + ", profile " + target.profile().id()
                    + ", " + target.language().name().toLowerCase(Locale.ROOT) + " binding");
            out.println(selected.size() + " of the " + RuleCatalogue.all().size() + " rules of ctx-semantics.md"
                    + (options.rules == null ? "" : " (selected: " + options.rules + ")"));
            out.println();
            List<Verdict> verdicts = runOne(targetNames.get(i), options, out, err, selected.size());
            if (verdicts == null) {
                return 3;
            }
            all.add(verdicts);
            ConformanceReport report = ConformanceReport.of(target, verdicts, filter.toString());
            out.println(report.totalsLine());
            long requiredFailures = verdicts.stream().filter(Verdict::failsTheRun).count();
            out.println(requiredFailures == 0 ? "no required rule failed" : requiredFailures + " required rule(s) failed");
            if (requiredFailures > 0) {
                status = 1;
            }
            if (!selected.isEmpty() && verdicts.stream().noneMatch(v -> v.status() == Verdict.Status.PASS || v.status() == Verdict.Status.FAIL)) {
                // A stub target (run() throwing UnsupportedOperationException) would otherwise "pass" with nothing checked.
                err.println("ctx-conformance: nothing was checked on " + target.name() + ": every selected rule is NOT-APPLICABLE or "
                        + "NOT-IMPLEMENTED (a target whose run() throws UnsupportedOperationException says it cannot arrange the scenario)");
                status = Math.max(status, 4);
            }
        }
        if (targets.size() > 1) {
            Comparison comparison = new Comparison(targets.stream().map(ConformanceTarget::name).toList(), selected, all);
            out.println();
            out.print(comparison.toText());
            if (options.reportDir.isPresent()) {
                try {
                    java.nio.file.Files.write(options.reportDir.get().resolve("conformance-comparison.md"),
                            comparison.toMarkdown().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (java.io.IOException e) {
                    err.println("ctx-conformance: writing the comparison failed: " + e.getMessage());
                    return 3;
                }
            }
        }
        options.reportDir.ifPresent(dir -> out.println("reports written to " + dir.toAbsolutePath()));
        return status;
    }

    /** Runs the engine on one target; the verdicts, or null (after saying why) when the run did not complete. */
    private static List<Verdict> runOne(String targetName, Options options, PrintStream out, PrintStream err, int expected) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectUniqueId(UniqueId.forEngine(ConformanceTestEngine.ENGINE_ID)))
                .filters(EngineFilter.includeEngines(ConformanceTestEngine.ENGINE_ID))
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, targetName);
        if (options.rules != null) {
            request.configurationParameter(ConformanceTestEngine.RULES_PARAMETER, options.rules);
        }
        options.reportDir.ifPresent(dir -> request.configurationParameter(ConformanceTestEngine.REPORT_DIR_PARAMETER, dir.toString()));
        LauncherDiscoveryRequest discovery = request.build();

        Printer printer = new Printer(out, options.verbose);
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, printer);

        out.println();
        if (printer.suiteFailure != null || printer.verdicts.size() != expected) {
            err.println("ctx-conformance: the run did not complete: " + printer.verdicts.size() + " of " + expected + " rules reported"
                    + (printer.suiteFailure == null ? "" : "; " + printer.suiteFailure));
            return null;
        }
        return printer.verdicts;
    }

    /** Why {@code dir} cannot take the reports, or null when it can (it is created if missing). */
    private static String unwritable(Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException | RuntimeException e) {
            return e instanceof java.nio.file.FileAlreadyExistsException ? "it exists and is not a directory"
                    : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
        return java.nio.file.Files.isWritable(dir) ? null : "the directory is not writable";
    }

    /** Prints each rule's line as it finishes and keeps the verdicts. */
    private static final class Printer implements TestExecutionListener {
        private final PrintStream out;
        private final boolean verbose;
        private final List<Verdict> verdicts = new ArrayList<>();
        private String suiteFailure;
        private Map<String, String> lastEntry = Map.of();

        Printer(PrintStream out, boolean verbose) {
            this.out = out;
            this.verbose = verbose;
        }

        @Override
        public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
            lastEntry = entry.getKeyValuePairs();
        }

        @Override
        public void executionSkipped(TestIdentifier test, String reason) {
            ruleOf(test).ifPresent(rule -> {
                boolean notImplemented = reason.startsWith(Verdict.Status.NOT_IMPLEMENTED.label());
                Verdict.Status status = notImplemented ? Verdict.Status.NOT_IMPLEMENTED : Verdict.Status.NOT_APPLICABLE;
                record(new Verdict(rule, status, reason.substring(reason.indexOf(':') + 1).trim(), Duration.ZERO));
            });
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            Optional<Rule> rule = ruleOf(test);
            if (rule.isEmpty()) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    String failure = result.getThrowable().map(Throwable::toString).orElse(result.getStatus().toString());
                    suiteFailure = suiteFailure == null ? failure : suiteFailure + "; " + failure;
                }
                return;
            }
            Verdict.Status status = Verdict.Status.valueOf(lastEntry.getOrDefault(ConformanceTestEngine.ENTRY_VERDICT, "FAIL").replace('-', '_'));
            long millis = Long.parseLong(lastEntry.getOrDefault(ConformanceTestEngine.ENTRY_DURATION_MS, "0"));
            record(new Verdict(rule.get(), status, lastEntry.getOrDefault(ConformanceTestEngine.ENTRY_MESSAGE, ""), Duration.ofMillis(millis)));
            lastEntry = Map.of();
        }

        private void record(Verdict verdict) {
            verdicts.add(verdict);
            out.println(ConformanceReport.line(verdict));
            if (verdict.status() == Verdict.Status.FAIL) {
                // The check, the violation and the hint always show; the evidence in between is cut unless --verbose.
                int evidenceShown = 0;
                int evidenceHidden = 0;
                for (String line : verdict.message().lines().skip(1).toList()) {
                    boolean essential = line.startsWith("  check:") || line.startsWith("  violation:") || line.startsWith("  if this fails");
                    if (essential || verbose || evidenceShown < 10) {
                        if (essential && evidenceHidden > 0) {
                            out.println("        … (" + evidenceHidden + " more lines: --verbose or --report-dir)");
                            evidenceHidden = 0;
                        }
                        out.println("        " + line);
                        evidenceShown += essential ? 0 : 1;
                    } else {
                        evidenceHidden++;
                    }
                }
            }
        }

        private static Optional<Rule> ruleOf(TestIdentifier test) {
            List<UniqueId.Segment> segments = test.getUniqueIdObject().getSegments();
            UniqueId.Segment last = segments.get(segments.size() - 1);
            return last.getType().equals("rule") ? RuleCatalogue.byId(last.getValue()) : Optional.empty();
        }
    }

    /** Parsed command-line options. */
    private static final class Options {
        String target;
        String rules;
        Optional<Path> reportDir = Optional.empty();
        boolean verbose;
        boolean list;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--target" -> o.target = once(o.target, value != null ? value : next(args, ++i, arg), arg);
                    case "--rules" -> o.rules = once(o.rules, value != null ? value : next(args, ++i, arg), arg);
                    case "--report-dir" -> o.reportDir = Optional.of(Path.of(value != null ? value : next(args, ++i, arg)));
                    case "--verbose", "-v" -> o.verbose = true;
                    case "--list" -> o.list = true;
                    case "--help", "-h" -> o.help = true;
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            return o;
        }

        private static String once(String previous, String value, String option) {
            if (previous != null) {
                throw new IllegalArgumentException(option + " given twice; give one, with comma-separated values where it takes several");
            }
            if (value.isBlank()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }

        private static String next(String[] args, int i, String option) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }
}
