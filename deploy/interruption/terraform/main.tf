# The queue through which nestedvirt-operator hears EC2's warnings about its instances, the
# EventBridge rules that feed it, and a managed policy for the operator's role: the resources of
# ../cloudformation.yaml, with the same names.
#
#   module "nestedvirt_interruptions" {
#     source       = "<this repository>/deploy/interruption/terraform"
#     cluster_name = "my-cluster"
#   }

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # data.aws_region's "region" attribute.
      version = ">= 6.0"
    }
  }
}

data "aws_region" "current" {}

locals {
  queue_name = var.queue_name != "" ? var.queue_name : "${var.cluster_name}-nestedvirt-interruptions"

  # One rule each, named <cluster_name>-nestedvirt-<key>. The same patterns as
  # ../cloudformation.yaml's rules; InterruptionDeployE2E fails when the two differ.
  event_patterns = {
    # EC2 reclaims a Spot instance in two minutes.
    spot = {
      source        = ["aws.ec2"]
      "detail-type" = ["EC2 Spot Instance Interruption Warning"]
    }
    # A Spot instance is at elevated risk of interruption.
    rebalance = {
      source        = ["aws.ec2"]
      "detail-type" = ["EC2 Instance Rebalance Recommendation"]
    }
    # An instance is stopping or terminating, whoever asked.
    state = {
      source        = ["aws.ec2"]
      "detail-type" = ["EC2 Instance State-change Notification"]
      detail = {
        state = ["stopping", "stopped", "shutting-down", "terminated"]
      }
    }
    # AWS Health schedules a retirement, reboot or maintenance of an instance.
    health = {
      source        = ["aws.health"]
      "detail-type" = ["AWS Health Event"]
      detail = {
        service           = ["EC2"]
        eventTypeCategory = ["scheduledChange"]
      }
    }
  }
}

resource "aws_sqs_queue" "interruptions" {
  name = local.queue_name
  # A Spot warning comes two minutes before the instance goes: one older than five minutes is
  # about something already over.
  message_retention_seconds = 300
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "EventBridgeSendsTheWarnings"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.interruptions.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sqs.amazonaws.com"]
    }
  }
  statement {
    sid       = "DenyUnencryptedTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.interruptions.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "interruptions" {
  queue_url = aws_sqs_queue.interruptions.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_cloudwatch_event_rule" "interruptions" {
  for_each      = local.event_patterns
  name          = "${var.cluster_name}-nestedvirt-${each.key}"
  event_pattern = jsonencode(each.value)
}

resource "aws_cloudwatch_event_target" "interruptions" {
  for_each  = aws_cloudwatch_event_rule.interruptions
  rule      = each.value.name
  target_id = "nestedvirt-interruption-queue"
  arn       = aws_sqs_queue.interruptions.arn
}

# Attach to the operator's role. deploy/iam-policy.json grants the same for the default queue
# name (its ReceiveTheClustersInterruptionWarnings, and DescribeInstanceStatus among its
# region-conditioned reads); this policy serves a role whose policy does not: another queue
# name, or a policy made from an older iam-policy.json.
data "aws_iam_policy_document" "operator" {
  statement {
    sid    = "ReceiveTheClustersInterruptionWarnings"
    effect = "Allow"
    actions = [
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      # Also what DeleteMessageBatch needs: batch calls have no action of their own.
      "sqs:DeleteMessage",
    ]
    resources = [aws_sqs_queue.interruptions.arn]
  }
  statement {
    sid     = "ReadScheduledEventsInTheClustersRegion"
    effect  = "Allow"
    actions = ["ec2:DescribeInstanceStatus"]
    # Describe calls name no resource: they are conditioned on the region instead.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [data.aws_region.current.region]
    }
  }
}

resource "aws_iam_policy" "operator" {
  name        = aws_sqs_queue.interruptions.name
  description = "nestedvirt-operator reads its interruption queue and the instances' scheduled events"
  policy      = data.aws_iam_policy_document.operator.json
}
