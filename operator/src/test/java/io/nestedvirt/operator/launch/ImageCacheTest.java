package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.ScriptedSsm;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSubnetsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSubnetsResponse;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/**
 * The image cache through the real AWS provider, against scripted SSM and EC2 clients that count
 * the requests they answer: one GetParameter per distinct reference and refresh, however many pools
 * share it.
 */
class ImageCacheTest {
  private static final String EKS_134 =
      "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id";

  /** One subnet, one security group, and ami-0fixed; counts DescribeImages. */
  static final class ScriptedEc2 implements Ec2Client {
    int describeImages;

    @Override
    public DescribeImagesResponse describeImages(DescribeImagesRequest request) {
      describeImages++;
      return DescribeImagesResponse.builder()
          .images(
              request.imageIds().contains("ami-0fixed")
                  ? List.of(Image.builder().imageId("ami-0fixed").build())
                  : List.of())
          .build();
    }

    @Override
    public DescribeSubnetsResponse describeSubnets(DescribeSubnetsRequest request) {
      return DescribeSubnetsResponse.builder()
          .subnets(
              s ->
                  s.subnetId("subnet-a")
                      .availabilityZone("us-east-1a")
                      .availableIpAddressCount(100))
          .build();
    }

    @Override
    public DescribeSecurityGroupsResponse describeSecurityGroups(
        DescribeSecurityGroupsRequest request) {
      return DescribeSecurityGroupsResponse.builder()
          .securityGroups(SecurityGroup.builder().groupId("sg-1").build())
          .build();
    }

    @Override
    public String serviceName() {
      return "ec2";
    }

    @Override
    public void close() {}
  }

  private final ScriptedSsm ssm = new ScriptedSsm();
  private final ScriptedEc2 ec2 = new ScriptedEc2();
  private final CloudProvider cloud = new AwsCloudProvider("prod", ec2, ssm);
  private final ImageCache images = new ImageCache(cloud, () -> "1.34", Clock.systemUTC());

  ImageCacheTest() {
    ssm.parameters.put(EKS_134, "ami-0first");
    ssm.parameters.put("/team/node-ami", "ami-0team");
  }

  @Test
  void poolsSharingAParameterCostOneGetParameterPerRefresh() {
    List<NestedVirtPool> pools = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      pools.add(pool("default-" + i, null));
      pools.add(pool("path-" + i, "/team/node-ami"));
      pools.add(pool("prefixed-" + i, "resolve:ssm:/team/node-ami"));
      pools.add(pool("named-default-" + i, EKS_134));
    }

    for (int round = 0; round < 3; round++) {
      pools.forEach(images::resolve);
    }
    images.refresh();
    pools.forEach(images::resolve);

    assertThat(ssm.asked(EKS_134))
        .as("the default parameter: once at first use, once per refresh")
        .isEqualTo(2);
    assertThat(ssm.asked("/team/node-ami"))
        .as("'/x' and 'resolve:ssm:/x' are one parameter")
        .isEqualTo(2);
  }

  @Test
  void aRefreshedIdIsUsedByTheNextResolve() {
    NestedVirtPool pool = pool("a", null);
    assertThat(images.resolve(pool)).isEqualTo("ami-0first");

    ssm.parameters.put(EKS_134, "ami-0second");
    assertThat(images.resolve(pool)).as("cached until the refresh").isEqualTo("ami-0first");
    images.refresh();

    assertThat(images.resolve(pool)).isEqualTo("ami-0second");
    assertThat(images.current(pool)).contains("ami-0second");
  }

  @Test
  void aLaunchConfigTakesTheRefreshedImageAtOnceThoughItsNetworkIsStillCached() {
    LaunchConfigResolver resolver =
        new LaunchConfigResolver(
            cloud, images, new UserDataFactory(null), Clock.systemUTC(), Duration.ofHours(1));
    NestedVirtPool pool = pool("a", null);
    assertThat(imageOf(resolver.resolve(pool))).isEqualTo("ami-0first");

    ssm.parameters.put(EKS_134, "ami-0second");
    images.refresh();

    assertThat(imageOf(resolver.resolve(pool))).isEqualTo("ami-0second");
  }

  @Test
  void aFailedRefreshKeepsTheLastKnownId() {
    NestedVirtPool pool = pool("a", "/team/node-ami");
    images.resolve(pool);

    ssm.failWith = "ThrottlingException";
    images.refresh();
    ssm.failWith = "InternalServerError";
    images.refresh();

    assertThat(ssm.asked("/team/node-ami")).isEqualTo(3);
    assertThat(images.resolve(pool)).isEqualTo("ami-0team");
    assertThat(ssm.asked("/team/node-ami")).as("no call until the next refresh").isEqualTo(3);
  }

  @Test
  void aParameterThatIsGoneMakesThePoolsLaunchConfigInvalid() {
    LaunchConfigResolver resolver =
        new LaunchConfigResolver(
            cloud, images, new UserDataFactory(null), Clock.systemUTC(), Duration.ofHours(1));
    NestedVirtPool pool = pool("a", "/team/node-ami");
    assertThat(imageOf(resolver.resolve(pool))).isEqualTo("ami-0team");

    ssm.parameters.remove("/team/node-ami");
    images.refresh();

    assertThat(resolver.resolve(pool))
        .isInstanceOfSatisfying(
            LaunchConfigResolver.Invalid.class,
            invalid ->
                assertThat(invalid.problem())
                    .isEqualTo(LaunchConfigResolver.Problem.ImageNotFound));
    assertThat(images.current(pool)).isEmpty();
  }

  @Test
  void anAmiIdIsCheckedOncePerRefresh() {
    NestedVirtPool a = pool("a", "ami-0fixed");
    NestedVirtPool b = pool("b", "ami-0fixed");

    images.resolve(a);
    images.resolve(b);
    images.refresh();
    images.resolve(a);

    assertThat(ec2.describeImages).isEqualTo(2);
    assertThat(images.current(b)).contains("ami-0fixed");
  }

  @Test
  void aReferenceNoPoolUsesAnyMoreIsNotRefreshed() {
    NestedVirtPool pool = pool("a", "/team/node-ami");
    images.resolve(pool);

    images.forget(pool);
    images.refresh();

    assertThat(ssm.asked("/team/node-ami")).isEqualTo(1);
  }

  @Test
  void currentAsksNothing() {
    NestedVirtPool pool = pool("a", null);
    assertThat(images.current(pool)).as("never resolved yet").isEmpty();

    images.resolve(pool);
    images.current(pool);

    assertThat(ssm.asked).hasSize(1);
  }

  @Test
  void aChangeWakesExactlyThePoolsUsingTheChangedParameter() {
    ImageChanges<NestedVirtPool> changes = ImageChanges.forPools(images);
    List<String> woken = new ArrayList<>();
    changes.setEventHandler(e -> woken.add(e.getRelatedCustomResourceID().getName()));
    changes.start();
    images.resolve(pool("default-a", null));
    images.resolve(pool("default-b", "resolve:ssm:" + EKS_134));
    images.resolve(pool("team", "/team/node-ami"));
    NestedVirtPool deleted = pool("deleted", null);
    images.resolve(deleted);
    images.forget(deleted);

    images.refresh();
    assertThat(woken).as("nothing changed").isEmpty();

    ssm.parameters.put(EKS_134, "ami-0second");
    images.refresh();

    assertThat(woken)
        .as("no image and the default parameter by name are one reference")
        .containsExactlyInAnyOrder("default-a", "default-b");
  }

  private static String imageOf(LaunchConfigResolver.Result result) {
    assertThat(result).isInstanceOf(LaunchConfigResolver.Resolved.class);
    return ((LaunchConfigResolver.Resolved) result).config().imageId();
  }

  private static NestedVirtPool pool(String name, String image) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new ObjectMetaBuilder().withName(name).withUid("uid-" + name).withGeneration(1L).build());
    pool.setSpec(new NestedVirtPoolSpec());
    pool.getSpec().image = image;
    pool.getSpec().bootstrap = new BootstrapSpec();
    pool.getSpec().bootstrap.mode = BootstrapSpec.Mode.RAW;
    pool.getSpec().userData = "#!/bin/sh\n";
    return pool;
  }
}
