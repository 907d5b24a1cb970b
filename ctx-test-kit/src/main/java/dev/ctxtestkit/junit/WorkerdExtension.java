package dev.ctxtestkit.junit;

import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.workerd.WorkerdBinary;
import dev.ctxtestkit.workerd.WorkerdProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** Starts the worker of {@link Workerd} in workerd per test; registered by the annotation. */
public final class WorkerdExtension implements ExecutionCondition, ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(WorkerdExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (WorkerdBinary.find().isPresent()) {
            return ConditionEvaluationResult.enabled("workerd found");
        }
        if (System.getenv("CI") != null) {
            return ConditionEvaluationResult.enabled("CI is set: run, and fail, rather than skip silently");
        }
        return ConditionEvaluationResult.disabled(WorkerdBinary.HOW_TO_INSTALL);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == WorkerdWorker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Workerd settings = annotation(context).orElseThrow(() -> new ParameterResolutionException(
                "WorkerdWorker needs @Workerd(script = ...) on the test class or method"));
        return new WorkerdWorker(context.getStore(NAMESPACE).getOrComputeIfAbsent(WorkerdProcess.class, key -> start(settings, context), WorkerdProcess.class));
    }

    private static WorkerdProcess start(Workerd settings, ExtensionContext context) {
        MockOrigin origin = CtxExtension.mockOrigin(context);
        String address = "127.0.0.1:" + origin.port();
        Map<String, String> bindings = new LinkedHashMap<>();
        for (String binding : settings.originBindings()) {
            bindings.put(binding, "origin");
        }
        String script = settings.script();
        String name = script.substring(script.lastIndexOf('/') + 1);
        return WorkerdProcess.builder()
                .external("origin", address)
                .worker("worker", name.endsWith(".js") || name.endsWith(".mjs") ? name : name + ".mjs", read(script), "origin", bindings,
                        settings.compatibilityDate())
                .start();
    }

    private static String read(String script) {
        try {
            if (script.startsWith("classpath:")) {
                String resource = script.substring("classpath:".length());
                try (InputStream in = WorkerdExtension.class.getResourceAsStream(resource.startsWith("/") ? resource : "/" + resource)) {
                    if (in == null) {
                        throw new ParameterResolutionException("@Workerd script " + script + " is not on the classpath");
                    }
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            Path path = Path.of(script);
            if (!Files.isRegularFile(path)) {
                throw new ParameterResolutionException("@Workerd script " + path.toAbsolutePath() + " does not exist");
            }
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterResolutionException("cannot read @Workerd script " + script + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Workerd> annotation(ExtensionContext context) {
        Optional<Workerd> onMethod = context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, Workerd.class));
        return onMethod.isPresent() ? onMethod : context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, Workerd.class));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        WorkerdProcess process = context.getStore(NAMESPACE).remove(WorkerdProcess.class, WorkerdProcess.class);
        if (process != null) {
            process.close();
        }
    }
}
