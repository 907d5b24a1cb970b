package dev.ctxtestkit.compat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Proves this module really runs on the oldest supported Jupiter, so the reused tests check compatibility. */
class OldestJupiterTest {
    @Test
    void runsOnJupiter510() {
        assertThat(Test.class.getPackage().getImplementationVersion()).startsWith("5.10.");
        assertThat(org.junit.platform.engine.TestEngine.class.getPackage().getImplementationVersion()).startsWith("1.10.");
    }
}
