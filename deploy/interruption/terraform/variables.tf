variable "cluster_name" {
  description = "The cluster's name, as the chart's clusterName."
  type        = string

  validation {
    # The longest name made from it, "<cluster_name>-nestedvirt-rebalance", must fit
    # EventBridge's 64 characters.
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,42}$", var.cluster_name))
    error_message = "cluster_name: 1 to 43 letters, digits, '-' and '_', starting with a letter or digit."
  }
}

variable "queue_name" {
  description = "The queue's name (the chart's interruptionQueue). Empty, the default, gives <cluster_name>-nestedvirt-interruptions."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{0,80}$", var.queue_name))
    error_message = "queue_name: up to 80 letters, digits, '-' and '_' (a standard queue's name)."
  }
}
