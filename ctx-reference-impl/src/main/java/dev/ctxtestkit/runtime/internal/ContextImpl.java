package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** The production {@link Context}: bound to one invocation (CTX-7). */
public class ContextImpl implements Context {
    protected final InvocationImpl invocation;

    public ContextImpl(InvocationImpl invocation) {
        this.invocation = invocation;
    }

    @Override
    public void waitUntil(CompletionStage<?> task) {
        invocation.waitUntilFromContext(task);
    }

    @Override
    public void passThroughOnException() {
        invocation.checkUsable("passThroughOnException");
        invocation.setFailOpenFlag();
    }

    @Override
    public void abort(Object reason) {
        invocation.checkUsable("abort");
        InvocationAbortedException exception = new InvocationAbortedException(reason);
        invocation.onLoop(() -> invocation.abort(exception));
        throw exception;
    }

    @Override
    public Map<String, Object> props() {
        return invocation.props();
    }

    @Override
    public String toString() {
        return "Context of " + invocation.describe();
    }
}
