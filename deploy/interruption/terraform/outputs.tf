output "queue_name" {
  description = "The chart's interruptionQueue."
  value       = aws_sqs_queue.interruptions.name
}

output "queue_arn" {
  value = aws_sqs_queue.interruptions.arn
}

output "queue_url" {
  value = aws_sqs_queue.interruptions.url
}

output "policy_arn" {
  description = "Attach to the operator's role."
  value       = aws_iam_policy.operator.arn
}
