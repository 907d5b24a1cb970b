package dev.ctxtestkit.runtime;

import java.time.Instant;
import java.util.Objects;

/** A scheduled (cron) event. */
public record ScheduledEvent(Instant scheduledTime, String cron) {
    public ScheduledEvent {
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(cron, "cron");
    }
}
