package io.nestedvirt.operator.cloud.aws;

import java.util.Set;
import java.util.TreeSet;

/**
 * The IAM actions of the operator's interruption handling: it reads EC2's warnings from the queue
 * that deploy/interruption makes (SQS GetQueueUrl once, then ReceiveMessage and DeleteMessage or
 * DeleteMessageBatch, which IAM authorizes as sqs:DeleteMessage), and without a queue the scheduled
 * events with ec2:DescribeInstanceStatus. deploy/iam-policy.json, the CloudFormation template's
 * managed policy and the Terraform module's aws_iam_policy must each grant all of them ({@code
 * IamPolicyTest}, e2e's {@code InterruptionDeployE2E}).
 */
public final class InterruptionActions {
  /** What the operator calls on its queue, and only on it. */
  public static final Set<String> QUEUE =
      Set.of("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage");

  /** A Describe call: no resource ARN, conditioned on the cluster's region. */
  public static final String SCHEDULED_EVENTS = "ec2:DescribeInstanceStatus";

  /** The queue's name when deploy/interruption is given only the cluster's name. */
  public static String defaultQueueName(String cluster) {
    return cluster + "-nestedvirt-interruptions";
  }

  public static Set<String> all() {
    Set<String> all = new TreeSet<>(QUEUE);
    all.add(SCHEDULED_EVENTS);
    return all;
  }

  private InterruptionActions() {}
}
