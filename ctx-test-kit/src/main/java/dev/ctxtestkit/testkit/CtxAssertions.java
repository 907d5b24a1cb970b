package dev.ctxtestkit.testkit;

/** Entry point of the kit's fluent assertions: {@code import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;}. */
public final class CtxAssertions {
    private CtxAssertions() {
    }

    public static InvocationAssert assertThat(InvocationResult actual) {
        return new InvocationAssert(actual);
    }

    public static ReceivedRequestAssert assertThat(ReceivedRequest actual) {
        return new ReceivedRequestAssert(actual);
    }
}
