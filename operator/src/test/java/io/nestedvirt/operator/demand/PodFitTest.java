package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.ZONE_A;
import static io.nestedvirt.operator.demand.Demand.container;
import static io.nestedvirt.operator.demand.Demand.mi;
import static io.nestedvirt.operator.demand.Demand.offer;
import static io.nestedvirt.operator.demand.Demand.pod;
import static io.nestedvirt.operator.demand.Demand.pool;
import static io.nestedvirt.operator.demand.Demand.quantities;
import static io.nestedvirt.operator.demand.Demand.resources;
import static io.nestedvirt.operator.demand.Demand.withTemplate;
import static io.nestedvirt.operator.demand.Demand.withWorkloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import io.nestedvirt.operator.api.v1alpha1.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A table of pods against new nodes of three pools: each row fits, or fails for its reason. */
class PodFitTest {

  /** c8i.large in us-east-1a, KubeVirt and Kata: 1930m cpu, 2784Mi memory, 59 pods. */
  private static final NodeOffer KVM =
      offer(withTemplate(pool("kvm", "c8i.large"), Map.of("generation", "8")), ZONE_A);

  private static final NodeOffer KATA_ONLY =
      offer(withWorkloads(pool("kata", "c8i.large"), Workload.KATA), ZONE_A);

  private static final NodeOffer TAINTED =
      offer(
          withTemplate(
              pool("dedicated", "c8i.large"),
              Map.of(),
              new TaintSpec("dedicated", "vms", TaintSpec.Effect.NO_SCHEDULE),
              new TaintSpec("evict", null, TaintSpec.Effect.NO_EXECUTE),
              new TaintSpec("soft", "x", TaintSpec.Effect.PREFER_NO_SCHEDULE)),
          ZONE_A);

  /** One row: a pod against an offer with this much free, and the reason (null: it fits). */
  private record Row(String name, Pod pod, NodeOffer offer, Resources free, String reason) {
    Row(String name, Pod pod, NodeOffer offer, String reason) {
      this(name, pod, offer, offer.allocatable(), reason);
    }

    /** The row's name: a failure lists the rows that broke, not whole pods. */
    @Override
    public String toString() {
      return name;
    }
  }

  private static Pod small() {
    return pod("small", "cpu", "500m", "memory", "256Mi").build();
  }

  private static Pod selecting(String key, String value) {
    return new PodBuilder(small()).editSpec().addToNodeSelector(key, value).endSpec().build();
  }

  private static NodeSelectorRequirement req(String key, String operator, String... values) {
    return new NodeSelectorRequirementBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValues(values)
        .build();
  }

  private static NodeSelectorTerm term(NodeSelectorRequirement... expressions) {
    return new NodeSelectorTermBuilder().withMatchExpressions(expressions).build();
  }

  private static Pod affinity(NodeSelectorTerm... terms) {
    return new PodBuilder(small())
        .editSpec()
        .withNewAffinity()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNodeSelectorTerms(terms)
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .endAffinity()
        .endSpec()
        .build();
  }

  private static Pod tolerating(Toleration... tolerations) {
    return new PodBuilder(small()).editSpec().withTolerations(tolerations).endSpec().build();
  }

  private static Toleration toleration(String key, String operator, String value, String effect) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValue(value)
        .withEffect(effect)
        .build();
  }

  private static List<Row> table() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("a small pod", small(), KVM, null));

    // nodeSelector
    rows.add(
        new Row(
            "selects KubeVirt's label", selecting("kubevirt.io/schedulable", "true"), KVM, null));
    rows.add(
        new Row(
            "selects KubeVirt's label on a Kata-only pool",
            selecting("kubevirt.io/schedulable", "true"),
            KATA_ONLY,
            "node selector kubevirt.io/schedulable=true: a new c8i.large in us-east-1a has no"
                + " label kubevirt.io/schedulable"));
    rows.add(
        new Row(
            "selects Kata's label",
            selecting("katacontainers.io/kata-runtime", "true"),
            KATA_ONLY,
            null));
    rows.add(
        new Row(
            "selects another zone",
            selecting("topology.kubernetes.io/zone", "us-east-1d"),
            KVM,
            "node selector topology.kubernetes.io/zone=us-east-1d: a new c8i.large in us-east-1a"
                + " has topology.kubernetes.io/zone=us-east-1a"));
    rows.add(
        new Row("selects verified KVM", selecting("nestedvirt.io/kvm", "verified"), KVM, null));

    // required node affinity
    rows.add(
        new Row(
            "In, matching",
            affinity(
                term(req("node.kubernetes.io/instance-type", "In", "c8i.xlarge", "c8i.large"))),
            KVM,
            null));
    rows.add(
        new Row(
            "In, not matching",
            affinity(term(req("node.kubernetes.io/instance-type", "In", "m8i.large"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " node.kubernetes.io/instance-type In [m8i.large] fails: the node has"
                + " node.kubernetes.io/instance-type=c8i.large"));
    rows.add(
        new Row(
            "NotIn, another zone",
            affinity(term(req("topology.kubernetes.io/zone", "NotIn", "us-east-1b"))),
            KVM,
            null));
    rows.add(
        new Row(
            "NotIn, this zone",
            affinity(term(req("topology.kubernetes.io/zone", "NotIn", "us-east-1a"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " topology.kubernetes.io/zone NotIn [us-east-1a] fails: the node has"
                + " topology.kubernetes.io/zone=us-east-1a"));
    rows.add(
        new Row(
            "NotIn, a label the node lacks",
            affinity(term(req("spot", "NotIn", "true"))),
            KVM,
            null));
    rows.add(
        new Row("Exists", affinity(term(req("kubevirt.io/schedulable", "Exists"))), KVM, null));
    rows.add(
        new Row(
            "Exists, a label the node lacks",
            affinity(term(req("nvidia.com/gpu.present", "Exists"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " nvidia.com/gpu.present Exists fails: the node has no label"
                + " nvidia.com/gpu.present"));
    rows.add(new Row("DoesNotExist", affinity(term(req("spot", "DoesNotExist"))), KVM, null));
    rows.add(
        new Row(
            "DoesNotExist, a label the node has",
            affinity(term(req("kubevirt.io/schedulable", "DoesNotExist"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " kubevirt.io/schedulable DoesNotExist fails: the node has"
                + " kubevirt.io/schedulable=true"));
    rows.add(new Row("Gt", affinity(term(req("generation", "Gt", "7"))), KVM, null));
    rows.add(
        new Row(
            "Lt",
            affinity(term(req("generation", "Lt", "8"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " generation Lt 8 fails: the node has generation=8"));
    rows.add(
        new Row(
            "all expressions of a term must match",
            affinity(
                term(
                    req("kubevirt.io/schedulable", "Exists"),
                    req("topology.kubernetes.io/zone", "In", "us-east-1b"))),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a;"
                + " topology.kubernetes.io/zone In [us-east-1b] fails: the node has"
                + " topology.kubernetes.io/zone=us-east-1a"));
    rows.add(
        new Row(
            "any term may match",
            affinity(
                term(req("topology.kubernetes.io/zone", "In", "us-east-1b")),
                term(req("topology.kubernetes.io/zone", "In", "us-east-1a"))),
            KVM,
            null));
    rows.add(
        new Row(
            "matchFields names a node that cannot be this new one",
            affinity(
                new NodeSelectorTermBuilder()
                    .withMatchFields(req("metadata.name", "In", "ip-10-0-0-1"))
                    .build()),
            KVM,
            "required node affinity: no term matches a new c8i.large in us-east-1a; matchFields"
                + " metadata.name selects an existing node, and this one does not exist yet"));

    // tolerations
    rows.add(new Row("no tolerations, no taints", small(), KVM, null));
    rows.add(
        new Row(
            "no tolerations",
            small(),
            TAINTED,
            "does not tolerate taint dedicated=vms:NoSchedule"));
    rows.add(
        new Row(
            "Equal tolerates one taint only",
            tolerating(toleration("dedicated", "Equal", "vms", "NoSchedule")),
            TAINTED,
            "does not tolerate taint evict:NoExecute"));
    rows.add(
        new Row(
            "Equal needs the same value",
            tolerating(
                toleration("dedicated", "Equal", "other", "NoSchedule"),
                toleration("evict", "Exists", null, "NoExecute")),
            TAINTED,
            "does not tolerate taint dedicated=vms:NoSchedule"));
    rows.add(
        new Row(
            "Equal and Exists, PreferNoSchedule ignored",
            tolerating(
                toleration("dedicated", null, "vms", "NoSchedule"),
                toleration("evict", "Exists", null, "NoExecute")),
            TAINTED,
            null));
    rows.add(
        new Row(
            "an empty effect tolerates every effect",
            tolerating(
                toleration("dedicated", "Exists", null, null),
                toleration("evict", "Equal", null, null)),
            TAINTED,
            null));
    rows.add(
        new Row(
            "the wrong effect",
            tolerating(
                toleration("dedicated", "Exists", null, "NoExecute"),
                toleration("evict", "Exists", null, "NoExecute")),
            TAINTED,
            "does not tolerate taint dedicated=vms:NoSchedule"));
    rows.add(
        new Row(
            "Exists with no key tolerates everything",
            tolerating(toleration(null, "Exists", null, null)),
            TAINTED,
            null));

    // requests
    rows.add(
        new Row(
            "more cpu than the type",
            pod("big", "cpu", "6").build(),
            KVM,
            "needs 6 cpu, a c8i.large offers 1930m"));
    rows.add(
        new Row(
            "more memory than the type keeps free",
            pod("big", "memory", "3Gi").build(),
            KVM,
            "needs 3Gi memory, a c8i.large offers 2784Mi"));
    rows.add(
        new Row(
            "what is left of a node that has pods already",
            pod("late", "cpu", "1500m").build(),
            KVM,
            KVM.allocatable().minus(resources("cpu", 1000)),
            "needs 1500m cpu, 930m left of a c8i.large's 1930m"));
    rows.add(
        new Row(
            "a GPU",
            pod("gpu", "cpu", "1", "nvidia.com/gpu", "1").build(),
            KVM,
            "needs 1 nvidia.com/gpu, a c8i.large offers none"));
    rows.add(
        new Row(
            "ephemeral storage is not planned",
            pod("scratch", "cpu", "1", "ephemeral-storage", "500Gi").build(),
            KVM,
            null));
    Pod kata =
        pod("kata", "cpu", "1800m", "memory", "1Gi")
            .editSpec()
            .withRuntimeClassName("kata-qemu")
            .addToNodeSelector("katacontainers.io/kata-runtime", "true")
            .endSpec()
            .build();
    rows.add(new Row("a Kata pod without overhead", kata, KATA_ONLY, null));
    rows.add(
        new Row(
            "a Kata pod whose RuntimeClass adds overhead",
            new PodBuilder(kata)
                .editSpec()
                .withOverhead(quantities("cpu", "250m", "memory", "160Mi"))
                .endSpec()
                .build(),
            KATA_ONLY,
            "needs 2050m cpu, a c8i.large offers 1930m"));
    rows.add(
        new Row(
            "the largest init container wins",
            pod("init", "cpu", "500m")
                .editSpec()
                .addToInitContainers(container("migrate", "cpu", "3"))
                .endSpec()
                .build(),
            KVM,
            "needs 3 cpu, a c8i.large offers 1930m"));
    rows.add(
        new Row(
            "a sidecar adds to the app",
            pod("sidecar", "cpu", "1500m")
                .editSpec()
                .addToInitContainers(
                    new ContainerBuilder(container("mesh", "cpu", "500m"))
                        .withRestartPolicy("Always")
                        .build())
                .endSpec()
                .build(),
            KVM,
            "needs 2 cpu, a c8i.large offers 1930m"));
    rows.add(new Row("a virt-launcher", VirtLauncher.pod("vm-1", "1", 1024), KVM, null));
    rows.add(
        new Row(
            "a virt-launcher on a Kata-only pool",
            VirtLauncher.pod("vm-1", "1", 1024),
            KATA_ONLY,
            "node selector kubevirt.io/schedulable=true: a new c8i.large in us-east-1a has no"
                + " label kubevirt.io/schedulable"));
    rows.add(
        new Row(
            "a virt-launcher too large",
            VirtLauncher.pod("vm-2", "1", 3072),
            KVM,
            "needs " + (3072 + 230 + 40) + "Mi memory, a c8i.large offers 2784Mi"));
    return rows;
  }

  @Test
  void eachPodFitsOrFailsForItsReason() {
    assertThat(table())
        .allSatisfy(
            row -> {
              var why =
                  PodFit.whyNot(row.pod(), PodRequests.of(row.pod()), row.offer(), row.free());
              if (row.reason() == null) {
                assertThat(why).as(row.name()).isEmpty();
              } else {
                assertThat(why).as(row.name()).contains(row.reason());
              }
            });
  }

  @Test
  void theOffersFiguresBehindTheTable() {
    assertThat(KVM.allocatable().get("cpu")).isEqualTo(1930);
    assertThat(KVM.allocatable().get("memory")).isEqualTo(mi(2784));
  }
}
