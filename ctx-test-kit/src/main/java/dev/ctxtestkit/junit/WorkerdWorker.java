package dev.ctxtestkit.junit;

import dev.ctxtestkit.workerd.WorkerdProcess;
import java.net.URI;

/** Your worker, running in workerd for this test: its URL and workerd's output. */
public final class WorkerdWorker {
    private final WorkerdProcess process;

    WorkerdWorker(WorkerdProcess process) {
        this.process = process;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI url() {
        return URI.create(process.url("worker"));
    }

    /** {@link #url()} followed by {@code path}. */
    public URI url(String path) {
        return URI.create(process.url("worker") + (path.startsWith("/") ? path : "/" + path));
    }

    /** What workerd printed so far ({@code --verbose}): uncaught exceptions, {@code console.log}. */
    public String log() {
        return process.log();
    }
}
