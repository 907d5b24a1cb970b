package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.rules.Catalogue;
import java.util.List;
import java.util.Optional;

/** Every rule of the spec, in the order of its rule index (section 5). */
public final class RuleCatalogue {
    private static final List<Rule> ALL = Catalogue.all();

    private RuleCatalogue() {
    }

    public static List<Rule> all() {
        return ALL;
    }

    public static Optional<Rule> byId(String id) {
        return ALL.stream().filter(r -> r.id().equalsIgnoreCase(id)).findFirst();
    }
}
