package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.target.ReferenceHttpTarget;

/**
 * The rule catalogue against the Java reference served over real HTTP and observed black-box, as a JavaScript runtime
 * would be: every HTTP-observable rule must pass here too. Real time: about two minutes, most of it LIM-2 and LIM-5
 * waiting out their 35 s and 40 s horizons.
 */
@ConformanceSuite(target = ReferenceHttpTarget.class)
class ReferenceHttpConformanceTest {
}
