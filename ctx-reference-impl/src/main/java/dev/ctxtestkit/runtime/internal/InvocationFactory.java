package dev.ctxtestkit.runtime.internal;

/** Creates the invocations of a worker instance. Internal: the conformance suite's mutants plug in here. */
@FunctionalInterface
public interface InvocationFactory {
    InvocationFactory DEFAULT = InvocationImpl::new;

    InvocationImpl create(RuntimeConfig config, long id, InvocationImpl.Spec spec);
}
