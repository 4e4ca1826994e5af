package dev.runway.agent.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionsTest {
    @ParameterizedTest(name = "{0} matches ''{1}'': {2}")
    @CsvSource(
            delimiter = ';',
            value = {
                "21.0.3;21;true",
                "21.0.3;21.0;true",
                "21.0.3;21.0.3;true",
                "21.0.3;21.0.4;false",
                "21.0.3;2;false",
                "21;21.0.0;true",
                "21;21.0.1;false",
                "17.0.15+6;17.0.15;true",
                "20.11.1;20.x;true",
                "20.11.1;20.X;true",
                "20.11.1;20.*;true",
                "21.1.0;20.x;false",
                "3.11.9;3.11.x;true",
                "3.12.1;3.11.x;false",
                "3.10.0;>=3.10;true",
                "3.9.18;>=3.10;false",
                "3.12.3;>=3.10 <3.13;true",
                "3.13.0;>=3.10 <3.13;false",
                "3.12.3;>= 3.10;true",
                "3.10.5;>3.10;false",
                "3.11.0;>3.10;true",
                "3.10.5;<=3.10;true",
                "3.11.0;<=3.10;false",
                "3.9.0;<3.10;true",
                "3.10.0;<3.10;false",
                "20.11.1;^20;true",
                "21.0.0;^20;false",
                "20.0.0;^20.1;false",
                "0.2.5;^0.2.3;true",
                "0.3.0;^0.2.3;false",
                "3.11.4;~3.11;true",
                "3.12.0;~3.11;false",
                "3.11.4;~3.11.2;true",
                "3.11.1;~3.11.2;false",
                "3.4.0;~3;true",
                "17.0.15;17 || 21;true",
                "21.0.3;17 || 21;true",
                "25.0.1;17 || 21;false",
                "25.0.1;*;true",
                "25.0.1;x;true",
                "25.0.1;latest;true",
                "v20.1.0;20;true",
                "20.1.0;v20;true",
                "1.22.1;1.22;true",
                "1.22.1;1.2;false"
            })
    void matches(String version, String spec, boolean expected) {
        assertThat(Versions.matches(version, spec)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"'abc'", "'>>3'", "'3.1a'", "'lts/*'"})
    void aMalformedSpecIsAnError(String spec) {
        assertThat(Versions.valid(spec)).isFalse();
        assertThatThrownBy(() -> Versions.matches("3.1.0", spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(spec);
    }

    @ParameterizedTest
    @CsvSource({"17.0.15,25.0.1,-1", "3.10.0,3.9.18,1", "21,21.0.0,0", "1.22.10,1.22.9,1"})
    void comparesNumerically(String a, String b, int sign) {
        assertThat(Integer.signum(Versions.compare(a, b))).isEqualTo(sign);
    }
}
