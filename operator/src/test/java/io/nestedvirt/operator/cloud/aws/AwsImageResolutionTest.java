package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.Image;

/** resolveImage against scripted EC2 and SSM clients. */
class AwsImageResolutionTest {

  private static final String EKS_133 =
      "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id";

  /** Knows ami-0known; answers NotFound for ami-0gone and an empty list for anything else. */
  static final class ScriptedImages implements Ec2Client {
    @Override
    public DescribeImagesResponse describeImages(DescribeImagesRequest request) {
      String id = request.imageIds().getFirst();
      if (id.equals("ami-0gone")) {
        throw AwsErrorTranslationTest.ec2(
            400, "InvalidAMIID.NotFound", "The image id '[ami-0gone]' does not exist");
      }
      List<Image> images =
          id.equals("ami-0known") ? List.of(Image.builder().imageId(id).build()) : List.of();
      return DescribeImagesResponse.builder().images(images).build();
    }

    @Override
    public String serviceName() {
      return "ec2";
    }

    @Override
    public void close() {}
  }

  private final ScriptedSsm ssm = new ScriptedSsm();
  private final AwsCloudProvider provider = new AwsCloudProvider("prod", new ScriptedImages(), ssm);

  AwsImageResolutionTest() {
    ssm.parameters.put(EKS_133, "ami-0eks133");
    ssm.parameters.put("/team/node-ami", "ami-0team");
  }

  @Test
  void noImageMeansTheEksAl2023AmiForTheKubernetesVersion() {
    assertThat(provider.resolveImage(null, "1.33")).isEqualTo("ami-0eks133");
    assertThat(ssm.asked).containsExactly(EKS_133);
  }

  @Test
  void readsAnSsmParameterGivenByPathOrResolvePrefix() {
    assertThat(provider.resolveImage("/team/node-ami", "1.33")).isEqualTo("ami-0team");
    assertThat(provider.resolveImage("resolve:ssm:/team/node-ami", "1.33")).isEqualTo("ami-0team");
  }

  @Test
  void aMissingParameterIsResourceNotFoundNamingIt() {
    assertThatThrownBy(() -> provider.resolveImage("/team/missing", "1.33"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("/team/missing")
        .extracting(e -> ((ResourceNotFoundException) e).resourceId())
        .isEqualTo("/team/missing");
  }

  @Test
  void anEksVersionWithoutAnAmiIsResourceNotFound() {
    assertThatThrownBy(() -> provider.resolveImage(null, "1.99"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("/aws/service/eks/optimized-ami/1.99/");
  }

  @Test
  void anExistingAmiIdIsReturnedAsIs() {
    assertThat(provider.resolveImage("ami-0known", "1.33")).isEqualTo("ami-0known");
  }

  @Test
  void anAmiThatEc2DoesNotKnowIsResourceNotFound() {
    assertThatThrownBy(() -> provider.resolveImage("ami-0gone", "1.33"))
        .isInstanceOf(ResourceNotFoundException.class)
        .extracting(e -> ((ResourceNotFoundException) e).resourceId())
        .isEqualTo("ami-0gone");
  }

  @Test
  void anAmiAnsweredWithAnEmptyListIsResourceNotFound() {
    assertThatThrownBy(() -> provider.resolveImage("ami-0notshared", "1.33"))
        .isInstanceOf(ResourceNotFoundException.class)
        .extracting(e -> ((ResourceNotFoundException) e).resourceId())
        .isEqualTo("ami-0notshared");
  }

  @Test
  void aReferenceThatIsNeitherAmiNorParameterIsRejected() {
    assertThatThrownBy(() -> provider.resolveImage("ubuntu-latest", "1.33"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("ubuntu-latest");
  }
}
