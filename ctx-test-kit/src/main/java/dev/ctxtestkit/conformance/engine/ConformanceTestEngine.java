package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.ConformanceSuite;
import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.RuleEvaluator;
import dev.ctxtestkit.conformance.RuleViolation;
import dev.ctxtestkit.conformance.Verdict;
import dev.ctxtestkit.conformance.report.ConformanceReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;
import org.junit.platform.engine.EngineDiscoveryRequest;
import org.junit.platform.engine.EngineExecutionListener;
import org.junit.platform.engine.ExecutionRequest;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestEngine;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.engine.discovery.ClasspathRootSelector;
import org.junit.platform.engine.discovery.PackageSelector;
import org.junit.platform.engine.discovery.UniqueIdSelector;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.EngineDescriptor;
import org.opentest4j.TestAbortedException;

/**
 * The conformance suite on the JUnit Platform: one container per target, one test per rule of the catalogue.
 *
 * <p>What it runs:
 * <ul>
 *   <li>classes annotated {@link ConformanceSuite}, found through class, package and classpath-root selectors (how
 *       Surefire and IDEs call it);</li>
 *   <li>the target named by the configuration parameter {@value #TARGET_PARAMETER} when the engine itself is selected
 *       ({@code selectUniqueId("[engine:ctx-conformance]")}, how the CLI calls it); unset: the one target registered
 *       through ServiceLoader, else the reference.</li>
 * </ul>
 * A verdict maps to JUnit as: PASS successful; FAIL of a required rule failed; FAIL of an optional rule aborted;
 * NOT-APPLICABLE and NOT-IMPLEMENTED skipped, with the reason. Each rule also publishes a report entry with its
 * verdict. With {@value #REPORT_DIR_PARAMETER} set, each suite writes JSON and Markdown reports there.
 */
public final class ConformanceTestEngine implements TestEngine {
    public static final String ENGINE_ID = "ctx-conformance";
    /** {@code reference} or the class name of a {@link ConformanceTarget}. */
    public static final String TARGET_PARAMETER = "ctx.conformance.target";
    /** Comma-separated rule ids or prefixes, e.g. {@code WU-,PT-7}. */
    public static final String RULES_PARAMETER = "ctx.conformance.rules";
    /** A directory to write {@code conformance-<target>.json} and {@code .md} to. */
    public static final String REPORT_DIR_PARAMETER = "ctx.conformance.report.dir";
    /** Report entry keys. */
    public static final String ENTRY_VERDICT = "ctx.verdict";
    public static final String ENTRY_DURATION_MS = "ctx.durationMs";
    public static final String ENTRY_MESSAGE = "ctx.message";

    private static final String CONFIGURED = "configured";

    @Override
    public String getId() {
        return ENGINE_ID;
    }

    @Override
    public Optional<String> getGroupId() {
        return Optional.of("dev.ctxtestkit");
    }

    @Override
    public Optional<String> getArtifactId() {
        return Optional.of("ctx-test-kit");
    }

    @Override
    public TestDescriptor discover(EngineDiscoveryRequest request, UniqueId uniqueId) {
        EngineDescriptor engine = new EngineDescriptor(uniqueId, "ctx-test-kit conformance");
        RuleFilter configuredRules = RuleFilter.parse(request.getConfigurationParameters().get(RULES_PARAMETER).orElse(null));
        Predicate<String> classNames = className -> request.getFiltersByType(ClassNameFilter.class).stream()
                .allMatch(filter -> filter.apply(className).included());
        // suite key (class name, or CONFIGURED) -> which of its rules were selected; several selectors add up (an IDE
        // rerunning two failed rules sends two unique ids).
        Map<String, RuleFilter> selected = new LinkedHashMap<>();
        for (ClassSelector selector : request.getSelectorsByType(ClassSelector.class)) {
            ReflectionSupport.tryToLoadClass(selector.getClassName()).toOptional()
                    .filter(ConformanceTestEngine::isSuite).ifPresent(type -> selected.merge(type.getName(), RuleFilter.all(), RuleFilter::or));
        }
        for (PackageSelector selector : request.getSelectorsByType(PackageSelector.class)) {
            ReflectionSupport.findAllClassesInPackage(selector.getPackageName(), ConformanceTestEngine::isSuite, classNames)
                    .forEach(type -> selected.merge(type.getName(), RuleFilter.all(), RuleFilter::or));
        }
        for (ClasspathRootSelector selector : request.getSelectorsByType(ClasspathRootSelector.class)) {
            ReflectionSupport.findAllClassesInClasspathRoot(selector.getClasspathRoot(), ConformanceTestEngine::isSuite, classNames)
                    .forEach(type -> selected.merge(type.getName(), RuleFilter.all(), RuleFilter::or));
        }
        for (UniqueIdSelector selector : request.getSelectorsByType(UniqueIdSelector.class)) {
            if (!selector.getUniqueId().hasPrefix(uniqueId)) {
                continue;
            }
            List<UniqueId.Segment> segments = selector.getUniqueId().getSegments();
            RuleFilter rules = segments.size() > 2 ? RuleFilter.of(List.of(segments.get(2).getValue())) : RuleFilter.all();
            if (segments.size() == 1 || segments.get(1).getValue().equals(CONFIGURED)) {
                selected.merge(CONFIGURED, rules, RuleFilter::or);
            } else {
                ReflectionSupport.tryToLoadClass(segments.get(1).getValue()).toOptional().filter(ConformanceTestEngine::isSuite)
                        .ifPresent(type -> selected.merge(type.getName(), rules, RuleFilter::or));
            }
        }

        String targetName = request.getConfigurationParameters().get(TARGET_PARAMETER).orElse(null);
        selected.forEach((key, rules) -> {
            if (key.equals(CONFIGURED)) {
                UniqueId id = uniqueId.append(SuiteDescriptor.SEGMENT, CONFIGURED);
                addSuite(engine, new SuiteDescriptor(id, "conformance (" + (targetName == null ? "default target" : targetName) + ")", null,
                        () -> TargetFactory.create(targetName)), configuredRules.and(rules));
            } else {
                Class<?> type = ReflectionSupport.tryToLoadClass(key).toOptional().orElseThrow();
                addSuite(engine, suiteFor(uniqueId, type), rules.and(annotationRules(type)).and(configuredRules));
            }
        });
        return engine;
    }

    private static SuiteDescriptor suiteFor(UniqueId engineId, Class<?> type) {
        ConformanceSuite annotation = type.getAnnotation(ConformanceSuite.class);
        return new SuiteDescriptor(engineId.append(SuiteDescriptor.SEGMENT, type.getName()), type.getSimpleName(),
                ClassSource.from(type), () -> TargetFactory.instantiate(annotation.target()));
    }

    private static RuleFilter annotationRules(Class<?> type) {
        return RuleFilter.of(List.of(type.getAnnotation(ConformanceSuite.class).rules()));
    }

    private static void addSuite(EngineDescriptor engine, SuiteDescriptor suite, RuleFilter rules) {
        suite.selection(rules.toString());
        for (Rule rule : RuleCatalogue.all()) {
            if (rules.accepts(rule)) {
                suite.addChild(new RuleDescriptor(suite.getUniqueId(), rule));
            }
        }
        engine.addChild(suite);
    }

    private static boolean isSuite(Class<?> type) {
        return AnnotationSupport.isAnnotated(type, ConformanceSuite.class);
    }

    @Override
    public void execute(ExecutionRequest request) {
        TestDescriptor engine = request.getRootTestDescriptor();
        EngineExecutionListener listener = request.getEngineExecutionListener();
        Optional<Path> reportDir = request.getConfigurationParameters().get(REPORT_DIR_PARAMETER).map(Path::of);
        listener.executionStarted(engine);
        for (TestDescriptor child : engine.getChildren()) {
            try {
                executeSuite((SuiteDescriptor) child, listener, reportDir);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // executeSuite reports its own failures; this is a last resort so the run always finishes.
                listener.executionFinished(child, TestExecutionResult.failed(e));
            }
        }
        listener.executionFinished(engine, TestExecutionResult.successful());
    }

    private static void executeSuite(SuiteDescriptor suite, EngineExecutionListener listener, Optional<Path> reportDir) {
        ConformanceTarget target;
        try {
            target = suite.createTarget();
        } catch (RuntimeException e) {
            listener.executionStarted(suite);
            listener.executionFinished(suite, TestExecutionResult.failed(e));
            return;
        }
        Optional<String> unavailable = target.unavailableReason();
        if (unavailable.isPresent() && System.getenv("CI") == null) {
            String reason = "target " + target.name() + " is unavailable: " + unavailable.get();
            // Said on stderr too: a skipped suite should not go unnoticed in a green build.
            System.err.println("[ctx-conformance] skipping " + suite.getDisplayName() + ": " + reason);
            listener.executionSkipped(suite, reason);
            return;
        }
        listener.executionStarted(suite);
        List<Verdict> verdicts = new ArrayList<>();
        Throwable problem = null;
        try {
            for (TestDescriptor child : suite.getChildren()) {
                verdicts.add(executeRule((RuleDescriptor) child, target, listener));
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            problem = e;
        }
        // The report comes before closing the target, so a failing close() cannot lose verdicts already computed.
        if (reportDir.isPresent()) {
            try {
                ConformanceReport.of(target, verdicts, suite.selection()).writeTo(reportDir.get());
            } catch (Exception e) {
                problem = addProblem(problem, new IllegalStateException("writing the report to " + reportDir.get()
                        + " failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e));
            }
        }
        try {
            target.close();
        } catch (Exception e) {
            problem = addProblem(problem, new IllegalStateException("closing target " + target.name() + " failed: " + e, e));
        }
        listener.executionFinished(suite, problem == null ? TestExecutionResult.successful() : TestExecutionResult.failed(problem));
    }

    private static Throwable addProblem(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static Verdict executeRule(RuleDescriptor descriptor, ConformanceTarget target, EngineExecutionListener listener) {
        Rule rule = descriptor.rule();
        Verdict verdict;
        try {
            verdict = RuleEvaluator.evaluate(rule, target);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // A bug in a check or a report must cost one rule, never the rest of the suite.
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            verdict = new Verdict(rule, Verdict.Status.FAIL, rule.displayName() + "\n  the suite failed while evaluating this rule: " + trace, java.time.Duration.ZERO);
        }
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put(ENTRY_VERDICT, verdict.status().label());
        entry.put(ENTRY_DURATION_MS, Long.toString(verdict.duration().toMillis()));
        if (!verdict.message().isBlank()) {
            entry.put(ENTRY_MESSAGE, verdict.message());
        }
        switch (verdict.status()) {
            case NOT_APPLICABLE, NOT_IMPLEMENTED -> {
                listener.executionSkipped(descriptor, verdict.status().label() + ": " + verdict.message());
                return verdict;
            }
            default -> { }
        }
        listener.executionStarted(descriptor);
        listener.reportingEntryPublished(descriptor, ReportEntry.from(entry));
        if (verdict.status() == Verdict.Status.PASS) {
            listener.executionFinished(descriptor, TestExecutionResult.successful());
        } else if (rule.tier() == Rule.Tier.REQUIRED) {
            listener.executionFinished(descriptor, TestExecutionResult.failed(new RuleViolation(verdict.message())));
        } else {
            listener.executionFinished(descriptor, TestExecutionResult.aborted(new TestAbortedException("optional rule failed: " + verdict.message())));
        }
        return verdict;
    }
}
