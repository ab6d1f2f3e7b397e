package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.TimeUnit;

/** CRDs on the tier's API server: applied, and usable only once Established. */
final class Crds {
  private Crds() {}

  /** Applies the CRD server-side as the admin and waits until the API server serves it. */
  static void apply(KubernetesClient admin, CustomResourceDefinition crd) {
    admin.resource(crd).forceConflicts().serverSideApply();
    admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(Crds::established, 30, TimeUnit.SECONDS);
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
  }
}
