package io.nestedvirt.sandbox.ec2;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.Ec2State.InstanceStatus;
import io.nestedvirt.sandbox.ec2.Ec2State.ScheduledEvent;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * DescribeInstanceStatus as EC2 renders it: running instances only unless {@code
 * IncludeAllInstances}, their status checks, and the scheduled events in {@code eventsSet}. An
 * {@code event.*} filter keeps the instances that have a matching event, as on EC2.
 */
final class InstanceStatusActions {
  private final Ec2State state;
  private final Filters<InstanceStatus> filters =
      Filters.<InstanceStatus>withTags(null)
          .single("instance-id", s -> s.instance().id())
          .single("availability-zone", s -> s.instance().zone())
          .single("instance-state-name", s -> s.instance().state().wireName())
          .single(
              "instance-state-code",
              s -> String.valueOf(InstanceActions.stateCode(s.instance().state())))
          .single("instance-status.status", s -> checkStatus(s.instance().state()))
          .single("system-status.status", s -> checkStatus(s.instance().state()))
          .single("instance-status.reachability", s -> reachability(s.instance().state()))
          .single("system-status.reachability", s -> reachability(s.instance().state()))
          .multi("event.code", events(ScheduledEvent::code))
          .multi("event.description", events(ScheduledEvent::description))
          .multi("event.instance-event-id", events(ScheduledEvent::instanceEventId))
          .multi("event.not-before", events(e -> InstanceActions.timestamp(e.notBefore())))
          .multi("event.not-after", events(e -> InstanceActions.timestamp(e.notAfter())));

  InstanceStatusActions(Ec2State state) {
    this.state = state;
  }

  String describeInstanceStatus(QueryRequest request, String requestId) {
    List<String> ids = request.list("InstanceId");
    Integer maxResults = request.getInt("MaxResults");
    if (!ids.isEmpty() && maxResults != null) {
      throw Ec2Error.client(
          "InvalidParameterCombination",
          "The parameter instancesSet cannot be used with the parameter maxResults");
    }
    int pageSize = Page.pageSize(maxResults, 5, 1000, Integer.MAX_VALUE);
    Predicate<InstanceStatus> filter = filters.parse(request);
    boolean includeAll = Boolean.TRUE.equals(request.getBoolean("IncludeAllInstances"));
    Page<InstanceStatus> page =
        state.instanceStatuses(ids, filter, includeAll, pageSize, request.get("NextToken"));

    XmlWriter xml = XmlWriter.response("DescribeInstanceStatus", requestId);
    xml.start("instanceStatusSet");
    for (InstanceStatus status : page.items()) {
      EmulatedInstance instance = status.instance();
      xml.start("item").leaf("instanceId", instance.id()).leaf("availabilityZone", instance.zone());
      if (!status.events().isEmpty()) {
        xml.start("eventsSet");
        for (ScheduledEvent event : status.events()) {
          xml.start("item")
              .leaf("instanceEventId", event.instanceEventId())
              .leaf("code", event.code())
              .leaf("description", event.description())
              .leaf("notBefore", InstanceActions.timestamp(event.notBefore()))
              .leaf(
                  "notAfter",
                  event.notAfter() == null ? null : InstanceActions.timestamp(event.notAfter()))
              .end();
        }
        xml.end();
      }
      xml.start("instanceState")
          .leaf("code", InstanceActions.stateCode(instance.state()))
          .leaf("name", instance.state().wireName())
          .end();
      writeCheck(xml, "systemStatus", instance.state());
      writeCheck(xml, "instanceStatus", instance.state());
      xml.end();
    }
    xml.end();
    xml.leaf("nextToken", page.nextToken());
    return xml.finish();
  }

  private static Function<InstanceStatus, java.util.Collection<String>> events(
      Function<ScheduledEvent, String> field) {
    return s -> s.events().stream().map(field).filter(v -> v != null).toList();
  }

  /** The emulated hardware never fails its checks: ok while running, else not-applicable. */
  private static String checkStatus(InstanceState state) {
    return switch (state) {
      case RUNNING -> "ok";
      case PENDING -> "initializing";
      default -> "not-applicable";
    };
  }

  private static String reachability(InstanceState state) {
    return switch (state) {
      case RUNNING -> "passed";
      case PENDING -> "initializing";
      default -> "not-applicable";
    };
  }

  private static void writeCheck(XmlWriter xml, String element, InstanceState state) {
    xml.start(element).leaf("status", checkStatus(state));
    xml.start("details")
        .start("item")
        .leaf("name", "reachability")
        .leaf("status", reachability(state))
        .end()
        .end();
    xml.end();
  }
}
