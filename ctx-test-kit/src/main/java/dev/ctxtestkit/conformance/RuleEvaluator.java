package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.scenario.ScenarioJson;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Decides one rule on one target: applicability first, then every check in order; the first violation fails it. */
public final class RuleEvaluator {
    private RuleEvaluator() {
    }

    public static Verdict evaluate(Rule rule, ConformanceTarget target) {
        long start = System.nanoTime();
        String notApplicable = notApplicableReason(rule, target);
        if (notApplicable != null) {
            return new Verdict(rule, Verdict.Status.NOT_APPLICABLE, notApplicable, Duration.ZERO);
        }
        if (rule.checks().isEmpty()) {
            // A JavaScript-only rule's note explains why Java has no such check; on a JavaScript target the truth is simpler.
            String reason = rule.targets() == Rule.Targets.JS ? "no check written yet for JavaScript targets" : rule.notImplementedReason();
            return new Verdict(rule, Verdict.Status.NOT_IMPLEMENTED, reason, Duration.ZERO);
        }
        RuleCheck.Target view = view(target);
        for (RuleCheck check : rule.checks()) {
            List<Observation> observations;
            try {
                observations = runBounded(target, check);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (UnsupportedOperationException e) {
                // The target says it cannot arrange this scenario at all (not that it misbehaved).
                return new Verdict(rule, Verdict.Status.NOT_APPLICABLE, "the target cannot run '" + check.scenario().name() + "': " + e.getMessage(), since(start));
            } catch (Throwable e) {
                return new Verdict(rule, Verdict.Status.FAIL, failure(rule, check, "the target could not run the scenario: " + e, List.of()), since(start));
            }
            try {
                check.assertion().verify(observations, view);
            } catch (AssertionError e) {
                return new Verdict(rule, Verdict.Status.FAIL, failure(rule, check, e.getMessage(), observations), since(start));
            } catch (RuntimeException e) {
                return new Verdict(rule, Verdict.Status.FAIL, failure(rule, check, "the check itself failed: " + e, observations), since(start));
            }
        }
        return new Verdict(rule, Verdict.Status.PASS, "", since(start));
    }

    /** Runs the scenario on a thread of its own, cut off after the target's {@link ConformanceTarget#scenarioTimeout()}. */
    private static List<Observation> runBounded(ConformanceTarget target, RuleCheck check) throws Throwable {
        java.util.concurrent.FutureTask<List<Observation>> run = new java.util.concurrent.FutureTask<>(() -> target.run(check.scenario()));
        Thread thread = new Thread(run, "ctx-conformance-scenario-" + check.scenario().name());
        thread.setDaemon(true);
        thread.start();
        java.time.Duration timeout = target.scenarioTimeout();
        try {
            return run.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            thread.interrupt();
            throw new java.util.concurrent.TimeoutException("the target did not return within " + timeout.toMillis()
                    + " ms (its scenarioTimeout); it was cut off");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    /** Why {@code rule} does not apply to {@code target}, or null when it does. */
    public static String notApplicableReason(Rule rule, ConformanceTarget target) {
        if (rule.targets() == Rule.Targets.JS && target.language() != ConformanceTarget.Language.JS) {
            return "JavaScript-only rule (targets: JS)" + (rule.notImplementedReason() == null ? "" : "; " + rule.notImplementedReason());
        }
        if (rule.targets() == Rule.Targets.JAVA && target.language() != ConformanceTarget.Language.JAVA) {
            return "Java binding rule (targets: Java); the JavaScript behaviour is covered by its platform rule";
        }
        if (!rule.profiles().isEmpty() && !rule.profiles().contains(target.profile())) {
            return "applies to profile " + rule.profiles().stream().map(Profile::id).sorted().collect(Collectors.joining(", "))
                    + "; this target's profile is " + target.profile().id();
        }
        if (rule.check() == Rule.CheckTag.IN_PROCESS && !target.capabilities().contains(ConformanceTarget.Capability.INVOCATION_RECORD)) {
            return "in-process only: this target exposes no invocation record";
        }
        return null;
    }

    private static String failure(Rule rule, RuleCheck check, String violation, List<Observation> observations) {
        StringBuilder out = new StringBuilder();
        out.append(rule.displayName()).append('\n');
        out.append("  check: ").append(check.description()).append('\n');
        out.append("  violation: ").append(violation).append('\n');
        if (!observations.isEmpty()) {
            out.append("  what happened:\n");
            for (Observation o : observations) {
                String description;
                try {
                    description = o.describe();
                } catch (RuntimeException e) {
                    description = "invocation " + o.invocation() + ": (its description failed: " + e + ")";
                }
                description.lines().forEach(line -> out.append("    ").append(line).append('\n'));
            }
        }
        out.append("  scenario: ").append(ScenarioJson.toJson(check.scenario())).append('\n');
        out.append("  if this fails, check: ").append(rule.hint());
        return out.toString();
    }

    private static RuleCheck.Target view(ConformanceTarget target) {
        return new RuleCheck.Target() {
            @Override
            public Profile profile() {
                return target.profile();
            }

            @Override
            public ConformanceTarget.Language language() {
                return target.language();
            }

            @Override
            public boolean has(ConformanceTarget.Capability capability) {
                return target.capabilities().contains(capability);
            }
        };
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
