package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.Rule;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.AbstractTestDescriptor;

/** One rule, displayed as {@code WU-7 A rejected task does not affect other tasks}. */
final class RuleDescriptor extends AbstractTestDescriptor {
    static final String SEGMENT = "rule";

    private final Rule rule;

    RuleDescriptor(UniqueId parent, Rule rule) {
        super(parent.append(SEGMENT, rule.id()), rule.displayName());
        this.rule = rule;
    }

    Rule rule() {
        return rule;
    }

    @Override
    public Type getType() {
        return Type.TEST;
    }
}
