package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.aws.IamPolicy.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The authorizations AWS checks for one {@code RunInstances} request, after the Service
 * Authorization Reference: {@code ec2:RunInstances} on every resource the launch reads or creates
 * (the image and its snapshot, the subnet, each security group, the network interface, the
 * instance, its volume, and with spot market options a spot-instances-request), with the request's
 * tags as {@code aws:RequestTag/...} on the resource types it tags; {@code ec2:CreateTags} with
 * {@code ec2:CreateAction=RunInstances} on each tagged type; {@code iam:PassRole} of the instance
 * profile's role; and, for a volume encrypted with a customer-managed key, the KMS calls EC2 makes
 * on the caller's behalf.
 */
final class RunInstancesAuthorizations {
  private final String region;
  private final String account;
  private final String nodeRole;

  /**
   * @param nodeRole the role in the request's instance profile (IAM reads it from the profile)
   */
  RunInstancesAuthorizations(String region, String account, String nodeRole) {
    this.region = region;
    this.account = account;
    this.nodeRole = nodeRole;
  }

  List<Request> of(RunInstancesRequest run) {
    Map<String, Map<String, String>> tagsByType = new HashMap<>();
    for (TagSpecification spec : run.tagSpecifications()) {
      Map<String, String> tags = new HashMap<>();
      for (Tag tag : spec.tags()) {
        tags.put("aws:RequestTag/" + tag.key(), tag.value());
      }
      tagsByType.put(spec.resourceTypeAsString(), tags);
    }
    List<Request> requests = new ArrayList<>();
    List<String> created = new ArrayList<>(List.of("instance", "volume", "network-interface"));
    if (run.instanceMarketOptions() != null) {
      created.add(ResourceType.SPOT_INSTANCES_REQUEST.toString());
    }
    for (String type : created) {
      requests.add(
          run(ec2Arn(account, type + "/*"), tagsByType.getOrDefault(type, Map.of()), Map.of()));
    }
    requests.add(run(ec2Arn("", "image/" + run.imageId()), Map.of(), Map.of()));
    requests.add(run(ec2Arn("", "snapshot/snap-0123456789abcdef0"), Map.of(), Map.of()));
    requests.add(run(ec2Arn(account, "subnet/" + run.subnetId()), Map.of(), Map.of()));
    for (String group : run.securityGroupIds()) {
      requests.add(run(ec2Arn(account, "security-group/" + group), Map.of(), Map.of()));
    }
    for (var tagged : tagsByType.entrySet()) {
      requests.add(
          new Request(
              "ec2:CreateTags",
              ec2Arn(account, tagged.getKey() + "/*"),
              context(tagged.getValue(), Map.of("ec2:CreateAction", "RunInstances"))));
    }
    if (run.iamInstanceProfile() != null) {
      requests.add(
          new Request(
              "iam:PassRole",
              "arn:aws:iam::" + account + ":role/" + nodeRole,
              context(Map.of(), Map.of("iam:PassedToService", "ec2.amazonaws.com"))));
    }
    run.blockDeviceMappings().stream()
        .filter(m -> m.ebs() != null && m.ebs().kmsKeyId() != null)
        .forEach(m -> requests.addAll(kms(m.ebs().kmsKeyId())));
    return requests;
  }

  /** What EBS asks KMS, with the caller's credentials, to create a volume under the key. */
  private List<Request> kms(String key) {
    Map<String, String> via = Map.of("kms:ViaService", "ec2." + region + ".amazonaws.com");
    List<Request> requests = new ArrayList<>();
    for (String action :
        List.of("kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt")) {
      requests.add(new Request(action, key, context(via, Map.of())));
    }
    requests.add(
        new Request(
            "kms:CreateGrant", key, context(via, Map.of("kms:GrantIsForAWSResource", "true"))));
    return requests;
  }

  private Request run(String resource, Map<String, String> tags, Map<String, String> more) {
    return new Request("ec2:RunInstances", resource, context(tags, more));
  }

  private Map<String, String> context(Map<String, String> a, Map<String, String> b) {
    Map<String, String> context = new HashMap<>(a);
    context.putAll(b);
    context.put("aws:RequestedRegion", region);
    return context;
  }

  private String ec2Arn(String owner, String resource) {
    return "arn:aws:ec2:" + region + ":" + owner + ":" + resource;
  }
}
