package io.hermod.amqp.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void recordNamesAreClassThenMethodInUpperCamelCase() {
        assertThat(Names.recordName("basic", "recover-async")).isEqualTo("BasicRecoverAsync");
        assertThat(Names.recordName("connection", "update-secret-ok")).isEqualTo("ConnectionUpdateSecretOk");
        assertThat(Names.recordName("queue", "declare-ok")).isEqualTo("QueueDeclareOk");
    }

    @Test
    void componentNamesAreLowerCamelCaseWithTheDocumentedRenames() {
        assertThat(Names.componentName("auto-delete")).isEqualTo("autoDelete");
        assertThat(Names.componentName("consumer-tag")).isEqualTo("consumerTag");
        assertThat(Names.componentName("nowait")).isEqualTo("noWait");
        assertThat(Names.componentName("class-id")).isEqualTo("failingClassId");
        assertThat(Names.componentName("method-id")).isEqualTo("failingMethodId");
    }

    @Test
    void aFieldThatWouldCollideWithAJavaOrRecordNameFailsTheGeneration() {
        assertThatThrownBy(() -> Names.componentName("name")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Names.componentName("class")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Names.componentName("has-content")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void constantNamesAreUpperSnakeCase() {
        assertThat(Names.constantName("FRAME-END")).isEqualTo("FRAME_END");
        assertThat(Names.constantName("content-type")).isEqualTo("CONTENT_TYPE");
    }

    @Test
    void onlySaslAndSecretLongStringsAreBinary() {
        assertThat(Names.isBinary("response")).isTrue();
        assertThat(Names.isBinary("challenge")).isTrue();
        assertThat(Names.isBinary("new-secret")).isTrue();
        assertThat(Names.isBinary("mechanisms")).isFalse();
    }
}
