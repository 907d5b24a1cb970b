package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.target.ReferenceTarget;

/**
 * The whole rule catalogue against the Java reference, run by the {@code ctx-conformance} engine inside Surefire:
 * each rule is a test named like {@code WU-7 A rejected task does not affect other tasks}.
 */
@ConformanceSuite(target = ReferenceTarget.class)
class ReferenceConformanceTest {
}
