package io.nestedvirt.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The argocd-cm snippet installs deploy/argocd/health.lua, the script the health tests run, for
 * both kinds, exactly as it is.
 */
class ArgoCdHealthCheckTest {
  @Test
  void theArgoCdConfigMapSnippetCarriesTheTestedScriptForBothKinds() throws IOException {
    String script = Files.readString(ArgoCdHealth.SCRIPT);
    ConfigMap snippet =
        new KubernetesSerialization()
            .unmarshal(
                "apiVersion: v1\nkind: ConfigMap\n"
                    + Files.readString(ArgoCdHealth.SCRIPT.resolveSibling("argocd-cm-health.yaml")),
                ConfigMap.class);
    assertThat(snippet.getData())
        .as("resource.customizations.health.<group>_<kind>, as Argo CD reads them")
        .containsOnlyKeys(
            "resource.customizations.health.nestedvirt.io_NestedVirtPool",
            "resource.customizations.health.nestedvirt.io_NestedVirtInstance")
        .allSatisfy(
            (key, value) ->
                assertThat(value)
                    .as("%s is deploy/argocd/health.lua: copy it again", key)
                    .isEqualTo(script));
  }
}
