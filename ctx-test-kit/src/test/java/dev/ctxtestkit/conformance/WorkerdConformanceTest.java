package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.target.WorkerdTarget;

/**
 * The rule catalogue against real workerd (profile standalone), black-box through the JavaScript probe worker.
 * Skipped with the reason when workerd is not installed locally ({@code scripts/install-workerd.sh}); CI installs it,
 * and with {@code CI} set a missing workerd fails instead.
 */
@ConformanceSuite(target = WorkerdTarget.class)
class WorkerdConformanceTest {
}
