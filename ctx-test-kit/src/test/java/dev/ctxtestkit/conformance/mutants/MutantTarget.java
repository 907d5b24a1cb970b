package dev.ctxtestkit.conformance.mutants;

import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.runtime.internal.InvocationFactory;

/** A deliberately broken reference runtime: the reference with one decision overridden. */
public abstract class MutantTarget extends ReferenceTarget {
    protected MutantTarget(String name, InvocationFactory invocations) {
        super("mutant: " + name, invocations);
    }
}
