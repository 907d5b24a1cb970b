package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Schedules as text for people: one line per step with the handler's time ({@code t=…} in ms, from the sleeps
 * before it), nested registrations indented under the task that makes them, at the time they happen.
 *
 * <pre>
 * fetch POST /schedule with a 300-byte body, origin mock, limit 30 s (default)
 *   t=0     passThrough
 *   t=0     waitUntil t1: 200 ms -&gt; reject 'x', beacon
 *             t=200   t1 registers t2: 50 ms -&gt; resolve
 *   t=0     sleep 100 ms
 *   t=100   throw 'boom' after an await
 * </pre>
 */
public final class ScheduleFormatter {
    private static final Pattern LOOPBACK_PORT = Pattern.compile("(127\\.0\\.0\\.1|localhost|\\[::1\\]):\\d+");

    private ScheduleFormatter() {
    }

    /** The multi-line schedule. */
    public static String format(Scenario scenario) {
        StringBuilder out = new StringBuilder(header(scenario)).append('\n');
        for (String line : lines(scenario)) {
            out.append("  ").append(line).append('\n');
        }
        if (scenario.steps().isEmpty()) {
            out.append("  (no steps: the handler answers at once)\n");
        }
        return out.toString();
    }

    /** The schedule on one line, steps separated by {@code ; }, for display names. */
    public static String oneLine(Scenario scenario) {
        List<String> parts = new ArrayList<>();
        for (String line : lines(scenario)) {
            parts.add(line.strip().replaceAll("\\s+", " "));
        }
        return parts.isEmpty() ? "(no steps)" : String.join("; ", parts);
    }

    /**
     * How many things a schedule does: its steps plus every task registered by another task or while streaming (a
     * top-level task is its {@code waitUntil} step). The measure of "small" for shrunk schedules.
     */
    public static int size(Scenario scenario) {
        int size = scenario.steps().size();
        for (Step step : scenario.steps()) {
            if (step instanceof Step.WaitUntil w) {
                size += countTasks(w.task()) - 1;
            } else if (step instanceof Step.Respond r && r.taskWhileStreaming() != null) {
                size += countTasks(r.taskWhileStreaming());
            }
        }
        return size;
    }

    private static int countTasks(TaskSpec task) {
        return 1 + task.children().stream().mapToInt(ScheduleFormatter::countTasks).sum();
    }

    /**
     * A canonical text of what a target observed: the response, what the origin received, and the invocation
     * record's timeline. Loopback ports (which are dynamic) read {@code PORT}; everything else is as observed, so two
     * runs of one unambiguous schedule on the in-process reference give the same text, byte for byte.
     */
    public static String timeline(List<Observation> observations) {
        StringBuilder out = new StringBuilder();
        for (Observation o : observations) {
            out.append(o.describe());
        }
        return withoutPorts(out.toString());
    }

    /** {@code text} with loopback ports, which are dynamic, as {@code PORT}: so that reports of one run repeat exactly. */
    public static String withoutPorts(String text) {
        return LOOPBACK_PORT.matcher(text).replaceAll("$1:PORT");
    }

    private static String header(Scenario s) {
        StringBuilder h = new StringBuilder(s.event().name().toLowerCase(Locale.ROOT));
        if (s.event() == Scenario.Event.FETCH) {
            Scenario.RequestSpec r = s.request();
            h.append(' ').append(r.method()).append(' ').append(r.path());
            if (r.bodyBytes() > 0) {
                h.append(" with a ").append(r.bodyBytes()).append("-byte body").append(r.chunked() ? " (chunked)" : "");
            }
            h.append(", origin ").append(s.origin().mode().name().toLowerCase(Locale.ROOT));
        }
        h.append(", limit ").append(s.limit() == null ? "30 s (default)" : s.limit().equals("unlimited") ? "unlimited" : s.limit() + " ms");
        if (s.invocations() != 1) {
            h.append(", ").append(s.invocations()).append(" invocations");
        }
        return h.toString();
    }

    private static List<String> lines(Scenario scenario) {
        List<String> lines = new ArrayList<>();
        long t = 0;
        for (Step step : scenario.steps()) {
            String at = String.format("t=%-6d", t);
            if (step instanceof Step.PassThrough) {
                lines.add(at + "passThrough");
            } else if (step instanceof Step.WaitUntil w) {
                lines.add(at + "waitUntil " + task(w.task()));
                children(w.task(), t + w.task().delayMs(), 1, lines);
            } else if (step instanceof Step.WaitUntilNull) {
                lines.add(at + "waitUntil(null)");
            } else if (step instanceof Step.Hang) {
                lines.add(at + "await something that never settles");
            } else if (step instanceof Step.Sleep s) {
                lines.add(at + "sleep " + s.ms() + " ms");
                t += s.ms();
            } else if (step instanceof Step.ReadBody r) {
                lines.add(at + "readBody " + (r.mode() == Step.ReadBody.Mode.FULL ? "full" : "partial " + r.bytes() + " bytes"));
            } else if (step instanceof Step.Throw th) {
                lines.add(at + "throw '" + th.message() + "'" + (th.async() ? " after an await" : ""));
            } else if (step instanceof Step.Abort a) {
                lines.add(at + "abort" + (a.reason() == null ? "()" : "('" + a.reason() + "')"));
            } else if (step instanceof Step.Respond r) {
                lines.add(at + respond(r));
                if (r.taskWhileStreaming() != null) {
                    lines.add(String.format("  t=%-6d", t) + "while streaming, waitUntil " + task(r.taskWhileStreaming()));
                    children(r.taskWhileStreaming(), t + r.taskWhileStreaming().delayMs(), 2, lines);
                }
            } else if (step instanceof Step.Beacon b) {
                lines.add(at + "beacon '" + b.tag() + "'");
            } else if (step instanceof Step.Log l) {
                lines.add(at + "log " + l.level() + " '" + l.message() + "'");
            } else {
                lines.add(at + step);
            }
            if (step.invocation() > 0) {
                lines.set(lines.size() - 1, lines.get(lines.size() - 1) + " (invocation " + step.invocation() + " only)");
            }
        }
        return lines;
    }

    private static void children(TaskSpec parent, long at, int depth, List<String> lines) {
        for (TaskSpec child : parent.children()) {
            lines.add("  ".repeat(depth + 1) + String.format("t=%-6d", at) + parent.tag() + " registers " + task(child));
            children(child, at + child.delayMs(), depth + 1, lines);
        }
    }

    private static String task(TaskSpec t) {
        String outcome = switch (t.outcome()) {
            case RESOLVE -> "resolve";
            case REJECT -> "reject '" + t.message() + "'";
            case NEVER -> "never settle";
            case HELD -> "held";
        };
        return t.tag() + ": " + t.delayMs() + " ms -> " + outcome + (t.beacon() ? ", beacon" : "") + (t.abort() ? ", then abort" : "")
                + (t.finallyBeacon() ? ", finally-beacon" : "") + (t.readBody() ? ", reads the body" : "");
    }

    private static String respond(Step.Respond r) {
        return switch (r.body()) {
            case "text" -> "respond " + r.status() + " '" + r.text() + "'";
            case "none" -> "respond " + r.status() + " without a body";
            case "report" -> "respond " + r.status() + " with the probe's report";
            default -> "respond " + r.status() + " streaming " + r.chunks() + " chunk(s) '" + r.text() + "' " + r.chunkDelayMs() + " ms apart"
                    + (r.errorAfter() > 0 ? ", erroring after chunk " + r.errorAfter() : "");
        };
    }
}
