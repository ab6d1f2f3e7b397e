/**
 * An in-process EC2 emulator ({@link io.nestedvirt.sandbox.ec2.Ec2Emulator}) spoken to with the
 * real AWS SDK v2 over HTTP, for tests and the sandbox.
 *
 * <p>Wire behaviour it reproduces, checked against the SDK 2.57.8 model and a captured request:
 *
 * <ul>
 *   <li>Requests: EC2 Query (form POST, {@code Action}, {@code Version=2016-11-15}, lists as {@code
 *       Name.N}); SSM is AWS JSON 1.1 and SQS AWS JSON 1.0, told apart by the prefix of {@code
 *       X-Amz-Target} ({@code AmazonSSM.}, {@code AmazonSQS.}); SQS errors carry their shape in
 *       {@code __type} and the legacy code in {@code x-amzn-query-error}.
 *   <li>Responses: camelCase elements ({@code reservationSet/item/instancesSet/item}, {@code
 *       cpuOptions/nestedVirtualization}, {@code processorInfo/supportedFeatures/item}) in {@code
 *       http://ec2.amazonaws.com/doc/2016-11-15/}; errors as {@code
 *       Response/Errors/Error/{Code,Message}} plus {@code RequestID}.
 *   <li>Statuses: client errors 400; {@code RequestLimitExceeded} 503 (the SDK classifies
 *       throttling by code); {@code InternalError} 500; {@code Unavailable} 503; {@code
 *       InsufficientInstanceCapacity} 500, a server error the SDKs retry.
 *   <li>Ids: unknown ids in {@code InstanceId.N}, {@code SubnetId.N}, {@code GroupId.N} and {@code
 *       ImageId.N} fail the whole call with {@code *.NotFound}; malformed instance and image ids
 *       fail with {@code *.Malformed}; filters that match nothing answer an empty set. Unknown
 *       filter names are {@code InvalidParameterValue}.
 *   <li>Paging: DescribeInstances returns everything without {@code MaxResults} (5..1000, not
 *       combinable with {@code InstanceId.N}); DescribeInstanceTypes pages at 100 even without it,
 *       DescribeInstanceTypeOfferings at 1000.
 *   <li>Offerings: every catalogued type is offered in every zone of the account's subnets until a
 *       test withdraws one; launching a withdrawn (type, zone) is {@code Unsupported} (400) with
 *       EC2's "not supported in your requested Availability Zone" message.
 * </ul>
 *
 * <p>Interruptions: the queue {@code nestedvirt-sandbox-interruptions} receives what an EventBridge
 * rule would deliver (Spot interruption warnings, rebalance recommendations, AWS Health retirement
 * events, state changes to stopping, stopped, shutting-down and terminated); a warned Spot instance
 * is taken back two minutes later on the emulator's clock; DescribeInstanceStatus lists scheduled
 * events in {@code eventsSet}.
 *
 * <p>Eventual consistency only on request: {@code listingLag} keeps launches out of
 * DescribeInstances for a while (by default they are listed at once). Not modelled: stop/start,
 * network interfaces, volumes as resources of their own (no DescribeVolumes), request signing.
 */
package io.nestedvirt.sandbox.ec2;
