package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.ByteSizes;
import org.junit.jupiter.api.Test;

/** The one size syntax ({@link ByteSizes}), also as the CLI's option converter ({@link Sizes}) reports a bad one. */
class ByteSizesTest {
    @Test
    void binaryDockerAndDecimalFormsAreAllAccepted() {
        assertThat(ByteSizes.parse("5m")).isEqualTo(5L << 20);
        assertThat(ByteSizes.parse("5MiB")).isEqualTo(5L << 20);
        assertThat(ByteSizes.parse("5Mi")).isEqualTo(5L << 20);
        assertThat(ByteSizes.parse("5MB")).isEqualTo(5_000_000L);
        assertThat(ByteSizes.parse("5 mb")).isEqualTo(5_000_000L);
        assertThat(ByteSizes.parse("1.5g")).isEqualTo(1536L << 20);
        assertThat(ByteSizes.parse("512KiB")).isEqualTo(512L << 10);
        assertThat(ByteSizes.parse("2GB")).isEqualTo(2_000_000_000L);
        assertThat(ByteSizes.parse("1t")).isEqualTo(1L << 40);
        assertThat(ByteSizes.parse("17")).isEqualTo(17);
        assertThat(ByteSizes.parse("17b")).isEqualTo(17);
        assertThat(ByteSizes.parse("0")).isZero();
    }

    @Test
    void whatIsNotASizeIsRefusedSayingWhatIs() {
        for (String bad : new String[] {"", "m", "-5m", "5x", "5 MiBs", "1e9", "99999999999999999999t"}) {
            assertThatThrownBy(() -> ByteSizes.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("size");
        }
        assertThatThrownBy(() -> Sizes.parse("lots"))
                .isInstanceOf(picocli.CommandLine.TypeConversionException.class)
                .hasMessageContaining("invalid size 'lots'");
    }
}
