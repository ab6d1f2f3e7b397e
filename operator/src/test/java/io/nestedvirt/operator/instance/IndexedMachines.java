package io.nestedvirt.operator.instance;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The informer cache's indexed view of machines, over whatever holds them in a unit test: the
 * indexes are computed on each lookup, as the informer's would be maintained.
 */
final class IndexedMachines implements IndexerResourceCache<NestedVirtInstance> {
  private final Supplier<Stream<NestedVirtInstance>> machines;
  private final Map<String, Function<NestedVirtInstance, List<String>>> indexers = new HashMap<>();

  IndexedMachines(Supplier<Stream<NestedVirtInstance>> machines) {
    this.machines = machines;
    addIndexers(MachineIndex.all());
  }

  @Override
  public void addIndexers(Map<String, Function<NestedVirtInstance, List<String>>> more) {
    indexers.putAll(more);
  }

  @Override
  public List<NestedVirtInstance> byIndex(String index, String key) {
    return machines.get().filter(m -> indexers.get(index).apply(m).contains(key)).toList();
  }

  @Override
  public Optional<NestedVirtInstance> get(ResourceID id) {
    return machines.get().filter(m -> m.name().equals(id.getName())).findFirst();
  }

  @Override
  public Stream<ResourceID> keys() {
    return machines.get().map(ResourceID::fromResource);
  }

  @Override
  public Stream<NestedVirtInstance> list(Predicate<NestedVirtInstance> predicate) {
    return machines.get().filter(predicate);
  }

  @Override
  public Stream<NestedVirtInstance> list(
      String namespace, Predicate<NestedVirtInstance> predicate) {
    return list(predicate);
  }
}
