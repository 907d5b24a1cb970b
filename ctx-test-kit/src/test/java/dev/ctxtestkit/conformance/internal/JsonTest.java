package dev.ctxtestkit.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsNestedValues() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "a \"quoted\" \\ line\nbreak\ttab \u0001");
        value.put("n", 42L);
        value.put("d", 1.5);
        value.put("b", true);
        value.put("z", null);
        value.put("list", List.of(1L, "two", List.of()));
        value.put("empty", Map.of());
        assertThat(Json.parse(Json.write(value))).isEqualTo(value);
        assertThat(Json.parse(Json.writePretty(value))).isEqualTo(value);
    }

    @Test
    void parsesUnicodeEscapesAndNegativeNumbers() {
        assertThat(Json.parse("[\"\\u00e9\", -3, 2e3]")).isEqualTo(List.of("é", -3L, 2000.0));
    }

    @Test
    void malformedInputNamesTheOffsetAndWhatWasExpected() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset 6").hasMessageContaining("expected a value");
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("expected more input");
        assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("expected end of input");
        assertThatThrownBy(() -> Json.parseObject("[]")).hasMessageContaining("expected a JSON object, got an array");
    }

    @Test
    void refusesValuesJsonCannotHold() {
        assertThatThrownBy(() -> Json.write(Double.NaN)).hasMessageContaining("JSON has no NaN");
        assertThatThrownBy(() -> Json.write(new Object())).hasMessageContaining("cannot write a java.lang.Object");
    }
}
