package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletionStage;

/** Reads a {@link Body} chunk by chunk. Obtained from {@link Body#reader()}, which marks the body used. */
public interface BodyReader {

    /** The next chunk (up to 64 KiB), or {@code null} at the end of the body. */
    default CompletionStage<byte[]> read() {
        return read(Body.DEFAULT_CHUNK_SIZE);
    }

    /** The next chunk of at most {@code maxBytes} bytes, or {@code null} at the end of the body. */
    CompletionStage<byte[]> read(int maxBytes);

    /** Stops reading; the rest of the body is discarded. */
    void cancel();
}
