package dev.runway.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.Test;

/** The engine's error as the job's log shows it: the whole message of its JSON body, quotes included. */
class EngineMessageTest {
    @Test
    void aMessageWithQuotesComesThroughWhole() {
        String body = "{\"cause\":\"no such image\",\"message\":\"creating container \\\"runway-1\\\": image"
                + " \\\"busybox:none\\\" not known; try \\\"podman pull\\\"\",\"response\":500}\n";
        String m = ContainerEngine.message(new DockerException(body, 500));
        assertThat(m)
                .isEqualTo("creating container \"runway-1\": image \"busybox:none\" not known; try \"podman pull\"");
    }

    @Test
    void escapesInTheMessageAreDecoded() {
        String m =
                ContainerEngine.message(new NotFoundException("{\"message\":\"no such file \\u0027a\\\\b\\u0027\"}"));
        assertThat(m).isEqualTo("no such file 'a\\b'");
    }

    @Test
    void aMessageWithoutJsonIsKeptAsItIs() {
        DockerException broken = new DockerException("{broken", 500);
        assertThat(ContainerEngine.message(broken))
                .isEqualTo(broken.getMessage())
                .contains("{broken");
        DockerException plain = new DockerException("bad gateway", 502);
        assertThat(ContainerEngine.message(plain)).isEqualTo(plain.getMessage()).contains("bad gateway");
    }
}
