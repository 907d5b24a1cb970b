package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Resolves a target name to a {@link ConformanceTarget}: {@code reference}, a class name, or a ServiceLoader lookup. */
public final class TargetFactory {
    /** The name of the built-in in-process reference target. */
    public static final String REFERENCE = "reference";
    /** The reference served over real HTTP by its server, observed black-box through the probe protocol. */
    public static final String REFERENCE_HTTP = "reference-http";
    /** Real workerd, black-box through the JavaScript probe worker (needs scripts/install-workerd.sh). */
    public static final String WORKERD = "workerd";

    private TargetFactory() {
    }

    /**
     * @param name {@code reference}, the fully qualified class name of a target, or {@code null}/blank to use the one
     *             target registered through {@link ServiceLoader}, or else the reference
     * @throws IllegalArgumentException naming what is accepted, for an unknown name
     */
    public static ConformanceTarget create(String name) {
        if (name == null || name.isBlank()) {
            List<ConformanceTarget> registered = new ArrayList<>();
            ServiceLoader.load(ConformanceTarget.class).forEach(registered::add);
            if (registered.size() > 1) {
                throw new IllegalArgumentException("several ConformanceTargets are registered through ServiceLoader ("
                        + registered.stream().map(t -> t.getClass().getName()).toList() + "); choose one with the configuration parameter "
                        + ConformanceTestEngine.TARGET_PARAMETER);
            }
            return registered.isEmpty() ? new ReferenceTarget() : registered.get(0);
        }
        String trimmed = name.trim();
        if (trimmed.equals(REFERENCE)) {
            return new ReferenceTarget();
        }
        if (trimmed.equals(REFERENCE_HTTP)) {
            return new dev.ctxtestkit.conformance.target.ReferenceHttpTarget();
        }
        if (trimmed.startsWith("http://") || trimmed.startsWith("https://")) {
            return new dev.ctxtestkit.conformance.target.UrlProbeTarget(trimmed);
        }
        if (trimmed.equals(WORKERD)) {
            dev.ctxtestkit.conformance.target.WorkerdTarget workerd = new dev.ctxtestkit.conformance.target.WorkerdTarget();
            workerd.unavailableReason().ifPresent(reason -> {
                throw new IllegalArgumentException("target 'workerd': " + reason);
            });
            return workerd;
        }
        if (!trimmed.contains(".")) {
            throw new IllegalArgumentException("unknown target '" + trimmed + "': expected '" + REFERENCE + "', '" + REFERENCE_HTTP
                    + "', '" + WORKERD + "', an http(s) URL of a probe worker, or the fully qualified class name of a ConformanceTarget");
        }
        try {
            Class<?> type = Class.forName(trimmed, true, Thread.currentThread().getContextClassLoader());
            return instantiate(type);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown target '" + trimmed + "': no such class on the classpath (java -jar ignores -cp: run "
                    + "java -cp ctx-conformance.jar:<your classes> dev.ctxtestkit.conformance.cli.ConformanceMain --target " + trimmed + ")", e);
        }
    }

    /** A new instance of {@code type}, which must be a ConformanceTarget with a public no-argument constructor. */
    public static ConformanceTarget instantiate(Class<?> type) {
        if (!ConformanceTarget.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(type.getName() + " is not a " + ConformanceTarget.class.getName());
        }
        if (type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
            throw new IllegalArgumentException(type.getName() + " is " + (type.isInterface() ? "an interface" : "abstract")
                    + "; name a concrete ConformanceTarget class");
        }
        try {
            return (ConformanceTarget) type.getDeclaredConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " needs a public no-argument constructor", e);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("creating " + type.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create " + type.getName() + ": " + e, e);
        }
    }
}
