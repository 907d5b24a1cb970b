package dev.ctxtestkit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void namesAreCaseInsensitiveAndStoredLowerCase() {
        Headers headers = new Headers().append("X-Custom-Header", "a");

        assertThat(headers.get("x-custom-header")).isEqualTo("a");
        assertThat(headers.get("X-CUSTOM-HEADER")).isEqualTo("a");
        assertThat(headers.has("x-Custom-header")).isTrue();
        assertThat(headers.names()).containsExactly("x-custom-header");
    }

    @Test
    void appendKeepsValuesInOrderAndGetJoinsThemWithCommaSpace() {
        Headers headers = new Headers().append("Accept", "text/html").append("accept", "application/json");

        assertThat(headers.getAll("ACCEPT")).containsExactly("text/html", "application/json");
        assertThat(headers.get("accept")).isEqualTo("text/html, application/json");
    }

    @Test
    void setReplacesEveryExistingValue() {
        Headers headers = Headers.of("x-a", "1", "X-A", "2");

        headers.set("x-a", "3");

        assertThat(headers.getAll("x-a")).containsExactly("3");
    }

    @Test
    void deleteRemovesTheNameWhateverItsCase() {
        Headers headers = Headers.of("x-a", "1", "x-b", "2");

        headers.delete("X-A");

        assertThat(headers.has("x-a")).isFalse();
        assertThat(headers.names()).containsExactly("x-b");
    }

    @Test
    void absentNameGivesNullAndEmptyList() {
        Headers headers = new Headers();

        assertThat(headers.get("missing")).isNull();
        assertThat(headers.getAll("missing")).isEmpty();
        assertThat(headers.has("missing")).isFalse();
    }

    @Test
    void namesKeepInsertionOrder() {
        Headers headers = Headers.of("z", "1", "a", "2", "m", "3");

        assertThat(headers.names()).containsExactly("z", "a", "m");
    }

    @Test
    void ofRejectsAnOddNumberOfStrings() {
        assertThatThrownBy(() -> Headers.of("x-a", "1", "x-b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("odd number");
    }

    @Test
    void valueWithCrOrLfIsRejectedAndTheMessageShowsItEscaped() {
        Headers headers = new Headers();

        assertThatThrownBy(() -> headers.append("x-a", "evil\r\nx-injected: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CR, LF or NUL")
                .hasMessageContaining("evil\\r\\nx-injected: 1");
        assertThatThrownBy(() -> headers.set("x-b", "line\nbreak"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectedSetLeavesTheHeadersUnchanged() {
        Headers headers = Headers.of("x-a", "kept");

        assertThatThrownBy(() -> headers.set("x-a", "line\nbreak")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> headers.set("x-b", "line\nbreak")).isInstanceOf(IllegalArgumentException.class);

        assertThat(headers.getAll("x-a")).containsExactly("kept");
        assertThat(headers.has("x-b")).isFalse();
    }

    @Test
    void rejectedAppendLeavesTheHeadersUnchanged() {
        Headers headers = new Headers();

        assertThatThrownBy(() -> headers.append("x-a", "evil\r\nx-injected: 1")).isInstanceOf(IllegalArgumentException.class);

        assertThat(headers.has("x-a")).isFalse();
        assertThat(headers.get("x-a")).isNull();
        assertThat(headers.names()).isEmpty();
        assertThat(headers).isEqualTo(new Headers());
    }

    @Test
    void emptyOrNullNameAndNullValueAreRejected() {
        Headers headers = new Headers();

        assertThatThrownBy(() -> headers.append("", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid header name");
        assertThatThrownBy(() -> headers.append(null, "v")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> headers.append("x-a", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void copyIsIndependentOfTheOriginal() {
        Headers original = Headers.of("x-a", "1");
        Headers copy = original.copy();

        copy.append("x-a", "2").set("x-b", "3");
        original.delete("x-a");

        assertThat(copy.getAll("x-a")).containsExactly("1", "2");
        assertThat(copy.get("x-b")).isEqualTo("3");
        assertThat(original.names()).isEmpty();
    }

    @Test
    void getAllReturnsASnapshotThatCannotBeModified() {
        Headers headers = Headers.of("x-a", "1");
        List<String> values = headers.getAll("x-a");

        headers.append("x-a", "2");

        assertThat(values).containsExactly("1");
        assertThatThrownBy(() -> values.add("3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toMultimapIsAnUnmodifiableSnapshotWithLowerCaseNames() {
        Headers headers = Headers.of("X-A", "1", "x-a", "2", "X-B", "3");
        Map<String, List<String>> map = headers.toMultimap();

        headers.append("x-c", "4");

        assertThat(map).containsExactly(Map.entry("x-a", List.of("1", "2")), Map.entry("x-b", List.of("3")));
        assertThatThrownBy(() -> map.put("x-d", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.get("x-a").add("5")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void fromMultimapAddsEveryValue() {
        Map<String, List<String>> map = new LinkedHashMap<>();
        map.put("Set-Cookie", List.of("a=1", "b=2"));
        map.put("X-One", List.of("v"));

        Headers headers = Headers.fromMultimap(map);

        assertThat(headers.getAll("set-cookie")).containsExactly("a=1", "b=2");
        assertThat(headers.get("x-one")).isEqualTo("v");
    }

    @Test
    void forEachVisitsEveryValueInOrder() {
        Headers headers = Headers.of("x-a", "1", "x-b", "2", "X-A", "3");
        List<String> seen = new ArrayList<>();

        headers.forEach((name, value) -> seen.add(name + "=" + value));

        assertThat(seen).containsExactly("x-a=1", "x-a=3", "x-b=2");
    }

    @Test
    void equalityIgnoresTheCaseNamesWereGivenIn() {
        Headers a = Headers.of("Content-Type", "text/plain");
        Headers b = Headers.of("content-type", "text/plain");
        Headers c = Headers.of("content-type", "text/html");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
    }
}
