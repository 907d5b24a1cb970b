package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.ConformanceTarget;
import java.util.function.Supplier;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.AbstractTestDescriptor;

/** One run of the catalogue against one target; its children are {@link RuleDescriptor}s. */
final class SuiteDescriptor extends AbstractTestDescriptor {
    static final String SEGMENT = "suite";

    private final Supplier<ConformanceTarget> target;
    private String selection = "all rules";

    SuiteDescriptor(UniqueId id, String displayName, TestSource source, Supplier<ConformanceTarget> target) {
        super(id, displayName, source);
        this.target = target;
    }

    ConformanceTarget createTarget() {
        return target.get();
    }

    /** Which rules this suite runs, for the report. */
    String selection() {
        return selection;
    }

    void selection(String value) {
        this.selection = value;
    }

    @Override
    public Type getType() {
        return Type.CONTAINER;
    }
}
