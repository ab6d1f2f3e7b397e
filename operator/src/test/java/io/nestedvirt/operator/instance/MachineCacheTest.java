package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one machine cache both controllers read: the pool controller hears of every change to its
 * machines, and sees the machines it created before the informer does.
 */
class MachineCacheTest {
  private final MachineCache cache = new MachineCache();
  private final List<String> poolsTold = new ArrayList<>();
  private final NestedVirtPool pool = pool("p", "pool-uid");

  @BeforeEach
  void attach() {
    cache.attach(new IndexedMachines(() -> cache.store().values()));
    cache.onPoolChanged(poolsTold::add);
  }

  @Test
  void aMachineTheInformerPutsOrRemovesTellsItsPool() {
    NestedVirtInstance m = ownedBy(Machines.machine("p-a", null), pool, "1");
    String key = cache.store().getKey(m);

    cache.store().put(key, m);
    assertThat(poolsTold).containsExactly("p");
    assertThat(cache.ofPool(pool)).extracting(NestedVirtInstance::name).containsExactly("p-a");

    cache.store().remove(key);
    assertThat(poolsTold).containsExactly("p", "p");
    assertThat(cache.ofPool(pool)).isEmpty();
  }

  @Test
  void aResyncOfTheSameVersionTellsNoOne() {
    NestedVirtInstance m = ownedBy(Machines.machine("p-a", null), pool, "1");
    String key = cache.store().getKey(m);
    cache.store().put(key, m);
    cache.store().put(key, ownedBy(Machines.machine("p-a", null), pool, "1"));
    assertThat(poolsTold).containsExactly("p");

    cache.store().put(key, ownedBy(Machines.machine("p-a", "i-1"), pool, "2"));
    assertThat(poolsTold).containsExactly("p", "p");
  }

  @Test
  void aCreatedMachineIsThePoolsBeforeTheInformerShowsItAndOnlyOnceAfter() {
    NestedVirtInstance m = ownedBy(Machines.machine("p-a", null), pool, "1");
    cache.created(m);
    assertThat(cache.ofPool(pool)).extracting(NestedVirtInstance::name).containsExactly("p-a");

    cache.store().put(cache.store().getKey(m), m);
    assertThat(cache.ofPool(pool)).extracting(NestedVirtInstance::name).containsExactly("p-a");

    // Gone from the informer, the machine is not brought back by the overlay.
    cache.store().remove(cache.store().getKey(m));
    assertThat(cache.ofPool(pool)).isEmpty();
  }

  @Test
  void theCacheKeepsNoManagedFields() {
    NestedVirtInstance m = ownedBy(Machines.machine("p-a", null), pool, "1");
    m.getMetadata()
        .setManagedFields(
            List.of(
                new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder()
                    .withManager("nestedvirt-operator")
                    .withOperation("Update")
                    .build()));
    cache.store().put(cache.store().getKey(m), m);
    assertThat(cache.store().get(cache.store().getKey(m)).getMetadata().getManagedFields())
        .isNullOrEmpty();
  }

  @Test
  void aMachineOfAPoolOfTheSameNameButAnotherUidIsNotThePools() {
    NestedVirtInstance stale = ownedBy(Machines.machine("p-old", null), pool("p", "old-uid"), "1");
    cache.store().put(cache.store().getKey(stale), stale);
    cache.created(ownedBy(Machines.machine("p-older", null), pool("p", "old-uid"), "1"));
    assertThat(cache.ofPool(pool)).isEmpty();
  }

  private static NestedVirtPool pool(String name, String uid) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).withUid(uid).build());
    return pool;
  }

  private static NestedVirtInstance ownedBy(
      NestedVirtInstance m, NestedVirtPool pool, String resourceVersion) {
    m.getMetadata().setResourceVersion(resourceVersion);
    m.getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withKind("NestedVirtPool")
                    .withName(pool.name())
                    .withUid(pool.uid())
                    .withController(true)
                    .build()));
    return m;
  }
}
