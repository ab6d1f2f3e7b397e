package io.nestedvirt.operator.node.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainDisruptionBudgetsTest {
  private static final Map<String, String> WEB = Map.of("app", "web", "tier", "front");

  @Test
  void matchLabelsMustAllMatch() {
    assertThat(matches(selector(Map.of("app", "web")), WEB)).isTrue();
    assertThat(matches(selector(Map.of("app", "web", "tier", "front")), WEB)).isTrue();
    assertThat(matches(selector(Map.of("app", "web", "tier", "back")), WEB)).isFalse();
  }

  @Test
  void aNullSelectorMatchesNothingAndAnEmptyOneEverything() {
    assertThat(DisruptionBudgets.matches(null, WEB)).isFalse();
    assertThat(matches(new LabelSelector(), WEB)).isTrue();
    assertThat(matches(new LabelSelector(), Map.of())).isTrue();
  }

  @Test
  void matchExpressionsFollowKubernetesSemantics() {
    assertThat(matches(expression("app", "In", "web", "api"), WEB)).isTrue();
    assertThat(matches(expression("app", "In", "api"), WEB)).isFalse();
    assertThat(matches(expression("app", "NotIn", "api"), WEB)).isTrue();
    assertThat(matches(expression("app", "NotIn", "web"), WEB)).isFalse();
    assertThat(matches(expression("zone", "NotIn", "a"), WEB))
        .as("NotIn matches pods without the label")
        .isTrue();
    assertThat(matches(expression("tier", "Exists"), WEB)).isTrue();
    assertThat(matches(expression("zone", "Exists"), WEB)).isFalse();
    assertThat(matches(expression("zone", "DoesNotExist"), WEB)).isTrue();
    assertThat(matches(expression("tier", "DoesNotExist"), WEB)).isFalse();
    assertThat(matches(expression("app", "Gt", "1"), WEB)).isFalse();
  }

  @Test
  void labelsAndExpressionsMustBothMatch() {
    LabelSelector selector =
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("app", "web"))
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("In")
            .withValues("back")
            .endMatchExpression()
            .build();
    assertThat(matches(selector, WEB)).isFalse();
  }

  @Test
  void onlyBudgetsOfThePodsNamespaceCoverIt() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("shop")
            .withName("web-1")
            .withLabels(WEB)
            .endMetadata()
            .build();
    List<PodDisruptionBudget> budgets =
        List.of(
            budget("shop", "web", selector(Map.of("app", "web"))),
            budget("other", "web", selector(Map.of("app", "web"))),
            budget("shop", "api", selector(Map.of("app", "api"))),
            budget("shop", "everything", new LabelSelector()),
            budget("shop", "nothing", null));
    assertThat(DisruptionBudgets.covering(pod, budgets)).containsExactly("web", "everything");
  }

  @Test
  void aPodWithoutLabelsIsCoveredOnlyByEmptySelectors() {
    Pod pod =
        new PodBuilder().withNewMetadata().withNamespace("ns").withName("p").endMetadata().build();
    assertThat(
            DisruptionBudgets.covering(
                pod,
                List.of(
                    budget("ns", "web", selector(Map.of("app", "web"))),
                    budget("ns", "all", new LabelSelector()))))
        .containsExactly("all");
  }

  private static boolean matches(LabelSelector selector, Map<String, String> labels) {
    return DisruptionBudgets.matches(selector, labels);
  }

  private static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelectorBuilder().withMatchLabels(labels).build();
  }

  private static LabelSelector expression(String key, String operator, String... values) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey(key)
        .withOperator(operator)
        .withValues(values)
        .endMatchExpression()
        .build();
  }

  private static PodDisruptionBudget budget(String namespace, String name, LabelSelector selector) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSelector(selector)
        .endSpec()
        .build();
  }
}
