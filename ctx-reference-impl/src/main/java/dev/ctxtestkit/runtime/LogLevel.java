package dev.ctxtestkit.runtime;

/** Log levels of the invocation record. */
public enum LogLevel {
    DEBUG, INFO, WARN, ERROR
}
