package io.nestedvirt.operator.it;

import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.ResourceSelector;
import io.nestedvirt.operator.cloud.Subnet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Wraps a provider to count listings and to let a test reshape them (EC2's listings are eventually
 * consistent: a fresh launch may be missing for a while).
 */
class CountingCloud implements CloudProvider {
  final CloudProvider delegate;
  final AtomicInteger listings = new AtomicInteger();
  volatile UnaryOperator<List<Instance>> listingFilter = UnaryOperator.identity();
  volatile Runnable afterLaunch = () -> {};
  volatile Runnable beforeLaunch = () -> {};

  /** Reads the endpoint's DescribeInstances count, to measure what one listing costs. */
  volatile java.util.function.IntSupplier describeCalls = () -> 0;

  /** DescribeInstances calls made by each listing, in order. */
  final java.util.List<Integer> callsPerListing =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  CountingCloud(CloudProvider delegate) {
    this.delegate = delegate;
  }

  @Override
  public List<Instance> launch(LaunchRequest request) {
    beforeLaunch.run();
    List<Instance> launched = delegate.launch(request);
    afterLaunch.run();
    return launched;
  }

  @Override
  public List<Instance> listClusterInstances() {
    List<Instance> listed;
    synchronized (this) { // so that betweenListings never falls inside one
      listings.incrementAndGet();
      int before = describeCalls.getAsInt();
      listed = delegate.listClusterInstances();
      callsPerListing.add(describeCalls.getAsInt() - before);
    }
    return listingFilter.apply(listed);
  }

  /**
   * Runs {@code action} while no listing is in flight: a counter reset in the middle of one would
   * make that listing's cost negative.
   */
  synchronized void betweenListings(Runnable action) {
    action.run();
  }

  @Override
  public List<io.nestedvirt.operator.cloud.ScheduledEvent> scheduledEvents() {
    return delegate.scheduledEvents();
  }

  @Override
  public io.nestedvirt.operator.cloud.NoticeQueue noticeQueue(String name) {
    return delegate.noticeQueue(name);
  }

  @Override
  public List<Instance> findByClientToken(String clientToken) {
    return delegate.findByClientToken(clientToken);
  }

  @Override
  public Map<String, io.nestedvirt.operator.cloud.InstanceState> terminate(
      Collection<String> instanceIds) {
    return delegate.terminate(instanceIds);
  }

  @Override
  public Map<String, InstanceType> describeInstanceTypes(Collection<String> names) {
    return delegate.describeInstanceTypes(names);
  }

  @Override
  public List<InstanceType> capableInstanceTypes() {
    return delegate.capableInstanceTypes();
  }

  @Override
  public io.nestedvirt.operator.cloud.ZoneOfferings zoneOfferings() {
    return delegate.zoneOfferings();
  }

  @Override
  public List<Subnet> resolveSubnets(ResourceSelector selector) {
    return delegate.resolveSubnets(selector);
  }

  @Override
  public List<String> resolveSecurityGroups(ResourceSelector selector) {
    return delegate.resolveSecurityGroups(selector);
  }

  @Override
  public String resolveImage(String image, String kubernetesVersion) {
    return delegate.resolveImage(image, kubernetesVersion);
  }

  @Override
  public String defaultImage(String kubernetesVersion) {
    return delegate.defaultImage(kubernetesVersion);
  }
}
