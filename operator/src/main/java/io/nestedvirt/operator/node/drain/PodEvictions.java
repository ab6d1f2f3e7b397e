package io.nestedvirt.operator.node.drain;

import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.net.HttpURLConnection;

/**
 * Asks the API server to move one pod away, and says what came of it.
 *
 * <p>Each call is one HTTP request: this class uses a client derived from the caller's with
 * fabric8's request retries switched off. fabric8 7.5.2 retries every 429 and 5xx answer with an
 * exponential back-off (10 times from 100 ms by default, longer when the server sends Retry-After,
 * which it does for a budget it has not processed yet: 10 s), so a refused eviction through the
 * default client blocks the caller for many seconds before {@code evict()} returns false. Refusals
 * are the drain's normal state; the caller backs off between steps instead.
 */
public final class PodEvictions {
  private final KubernetesClient client;

  /** What the API server made of one request. */
  public enum Outcome {
    /** Accepted: the pod is being deleted (it may still be terminating). */
    ACCEPTED,
    /** 429: a PodDisruptionBudget does not allow it now (or the API server is throttling). */
    REFUSED,
    /** 404: the pod is already gone. */
    GONE,
    /**
     * 409: the pod changed (or is another pod of the same name) since it was listed; the next step
     * lists it again.
     */
    CHANGED
  }

  public PodEvictions(KubernetesClient client) {
    this.client = withoutRetries(client);
  }

  /** The same client (connection, credentials) but one HTTP request per call. */
  static KubernetesClient withoutRetries(KubernetesClient client) {
    return client
        .newClient(
            new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestRetryBackoffLimit(0)
                .build())
        .adapt(KubernetesClient.class);
  }

  /**
   * Evicts the pod through policy/v1 Eviction, the way {@code kubectl drain} does, on condition
   * that it is still the pod that was listed: same UID (a new pod of the same name is never evicted
   * in its place) and same resourceVersion. The resourceVersion matters for the answer time:
   * without it, the API server retries a failed precondition on a pending or finished pod for 10 s
   * before answering 409; with it, it answers at once. A pod that changed in the moment since the
   * listing is evicted in the next step (if a budget covers it, the API server may already have
   * counted that disruption, and holds it for up to 2 minutes: slower, never unsafe, and rare).
   *
   * <p>fabric8's {@code evict()} answers true for 2xx, false for 429 and throws for anything else;
   * its no-argument form posts a policy/v1beta1 body, so the v1 Eviction is built here.
   *
   * @throws KubernetesClientException for answers other than 2xx, 404, 409 and 429 (for example 500
   *     when more than one budget covers the pod)
   */
  public Outcome evict(Pod pod) {
    return evict(pod, null);
  }

  /**
   * Deletes the pod directly, ignoring budgets: with its own grace period, or at once for a pod
   * that is already terminating and long overdue. The delete is conditional on the resource version
   * that was listed (fabric8 cannot send a UID precondition with a delete), so a pod that changed
   * meanwhile is left for the next step.
   */
  public Outcome delete(Pod pod, boolean now) {
    if (now) {
      // An eviction of a terminating pod skips the budgets (the API server lets terminating and
      // finished pods go) and, unlike fabric8's delete, carries both grace period and UID.
      return evict(pod, 0L);
    }
    try {
      var deleted =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .lockResourceVersion(pod.getMetadata().getResourceVersion())
              .delete();
      // fabric8 answers an empty list, not an exception, when the pod is not found.
      return deleted.isEmpty() ? Outcome.GONE : Outcome.ACCEPTED;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Outcome.CHANGED;
      }
      throw e;
    }
  }

  private Outcome evict(Pod pod, Long gracePeriodSeconds) {
    Eviction eviction =
        new EvictionBuilder()
            .withNewMetadata()
            .withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .endMetadata()
            .withDeleteOptions(
                new DeleteOptionsBuilder()
                    .withGracePeriodSeconds(gracePeriodSeconds)
                    .withNewPreconditions()
                    .withUid(pod.getMetadata().getUid())
                    .withResourceVersion(pod.getMetadata().getResourceVersion())
                    .endPreconditions()
                    .build())
            .build();
    try {
      boolean accepted =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .evict(eviction);
      return accepted ? Outcome.ACCEPTED : Outcome.REFUSED;
    } catch (KubernetesClientException e) {
      return switch (e.getCode()) {
        case HttpURLConnection.HTTP_NOT_FOUND -> Outcome.GONE;
        case HttpURLConnection.HTTP_CONFLICT -> Outcome.CHANGED;
        default -> throw e;
      };
    }
  }
}
