package io.nestedvirt.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.nestedvirt.operator.MockApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's reference tables name every field of both CRDs, so they cannot fall behind. */
class ReadmeReferenceTest {
  @Test
  void everySpecFieldIsInTheReadmeReference() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    JSONSchemaProps spec =
        MockApiServer.crd("nestedvirtpools.nestedvirt.io")
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    List<String> fields = new ArrayList<>();
    collect("", spec, fields);
    assertThat(fields.stream().filter(f -> !readme.contains("| `" + f + "` |")))
        .as("spec fields missing from the README's reference table")
        .isEmpty();
  }

  @Test
  void everyFieldOfAMachineIsInTheReadmesMachineTables() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String machines =
        readme.substring(
            readme.indexOf("## Machines: NestedVirtInstance"), readme.indexOf("## The KVM probe"));
    var schema =
        MockApiServer.crd("nestedvirtinstances.nestedvirt.io")
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties();
    List<String> fields = new ArrayList<>();
    collect("", schema.get("spec"), fields);
    fields.addAll(schema.get("status").getProperties().keySet());
    assertThat(fields.stream().filter(f -> !machines.contains("| `" + f + "` |")))
        .as("NestedVirtInstance fields missing from the README's machine tables")
        .isEmpty();
  }

  /** Selectors are documented as a whole and field by field. */
  private static boolean isSelector(String name) {
    return name.equals("subnets") || name.equals("securityGroups");
  }

  /** Leaf fields (and the selectors) by dotted path. */
  private static void collect(String prefix, JSONSchemaProps props, List<String> out) {
    if (props.getProperties() == null) {
      return;
    }
    props
        .getProperties()
        .forEach(
            (name, child) -> {
              if (child.getProperties() == null || prefix.isEmpty() && isSelector(name)) {
                out.add(prefix + name);
              }
              collect(prefix + name + ".", child, out);
            });
  }
}
