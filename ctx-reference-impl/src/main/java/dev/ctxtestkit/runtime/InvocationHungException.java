package dev.ctxtestkit.runtime;

/**
 * The error with which the runtime ends an invocation whose handler stage can never settle (ERR-3): the stage was still
 * pending when the worker's event loop had nothing left to run. It counts as the handler stage's exception, so the
 * client gets the ERR-9 response, or the origin's response when pass-through was set (PT-3).
 *
 * @see WorkerInstance.Builder#hangDetection(boolean)
 */
public final class InvocationHungException extends RuntimeException {
    /** The message, workerd's text (ERR-3). */
    public static final String MESSAGE = "The Workers runtime canceled this request because it detected that your Worker's code had hung "
            + "and would never generate a response. Refer to: https://developers.cloudflare.com/workers/observability/errors/";

    public InvocationHungException() {
        super(MESSAGE);
    }
}
