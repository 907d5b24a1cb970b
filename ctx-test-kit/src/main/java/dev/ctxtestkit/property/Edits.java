package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Small structural edits of scenarios, shared by the generator (nudges) and the shrinker. */
final class Edits {
    private Edits() {
    }

    static Scenario withSteps(Scenario scenario, List<Step> steps) {
        return new Scenario(scenario.name(), scenario.event(), scenario.form(), scenario.request(), scenario.props(), scenario.limit(),
                scenario.origin(), scenario.invocations(), steps);
    }

    static Scenario replaceStep(Scenario scenario, int index, Step step) {
        List<Step> steps = new ArrayList<>(scenario.steps());
        steps.set(index, step);
        return withSteps(scenario, steps);
    }

    static Scenario removeSteps(Scenario scenario, int from, int to) {
        List<Step> steps = new ArrayList<>(scenario.steps());
        steps.subList(from, to).clear();
        return withSteps(scenario, steps);
    }

    /** Applies {@code f} to every task, innermost first (children before their parent), wherever it is registered. */
    static Scenario mapTasks(Scenario scenario, UnaryOperator<TaskSpec> f) {
        List<Step> steps = new ArrayList<>();
        for (Step step : scenario.steps()) {
            if (step instanceof Step.WaitUntil w) {
                steps.add(new Step.WaitUntil(mapTask(w.task(), f), w.invocation()));
            } else if (step instanceof Step.Respond r && r.taskWhileStreaming() != null) {
                steps.add(new Step.Respond(r.status(), r.body(), r.text(), r.chunks(), r.chunkDelayMs(), r.errorAfter(),
                        mapTask(r.taskWhileStreaming(), f), r.invocation()));
            } else {
                steps.add(step);
            }
        }
        return withSteps(scenario, steps);
    }

    private static TaskSpec mapTask(TaskSpec task, UnaryOperator<TaskSpec> f) {
        List<TaskSpec> children = task.children().stream().map(c -> mapTask(c, f)).toList();
        TaskSpec rebuilt = new TaskSpec(task.tag(), task.delayMs(), task.outcome(), task.message(), task.beacon(), task.finallyBeacon(),
                task.readBody(), task.abort(), children);
        return f.apply(rebuilt);
    }

    /** Every task of the scenario, parents before their children, in step order. */
    static List<TaskSpec> allTasks(Scenario scenario) {
        List<TaskSpec> all = new ArrayList<>();
        for (Step step : scenario.steps()) {
            if (step instanceof Step.WaitUntil w) {
                collect(w.task(), all);
            } else if (step instanceof Step.Respond r && r.taskWhileStreaming() != null) {
                collect(r.taskWhileStreaming(), all);
            }
        }
        return all;
    }

    private static void collect(TaskSpec task, List<TaskSpec> into) {
        into.add(task);
        task.children().forEach(c -> collect(c, into));
    }

    static TaskSpec withChildren(TaskSpec task, List<TaskSpec> children) {
        return new TaskSpec(task.tag(), task.delayMs(), task.outcome(), task.message(), task.beacon(), task.finallyBeacon(),
                task.readBody(), task.abort(), children);
    }

    static TaskSpec withoutAbort(TaskSpec task) {
        return new TaskSpec(task.tag(), task.delayMs(), task.outcome(), task.message(), task.beacon(), task.finallyBeacon(),
                task.readBody(), false, task.children());
    }
}
