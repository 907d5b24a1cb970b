package dev.ctxtestkit.conformance.probe;

/** The error a probe throws or rejects with when a scenario says so. */
public final class ProbeError extends RuntimeException {
    public ProbeError(String message) {
        super(message);
    }
}
