/**
 * Resource types AWS bills nothing for by themselves (usage, where there is any, is billed
 * elsewhere or is within a free tier), with why. Anything not here and not priced is unpriced.
 * Sources: the AWS pricing pages of IAM, VPC (security groups, gateway endpoints), SNS and SQS
 * (per request; first million a month free), Auto Scaling, ELB (target groups, listeners), S3
 * (configuration objects), and AWS Budgets (monitoring budgets cost nothing).
 */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  "aws:iam/role:Role": "IAM: no charge",
  "aws:iam/rolePolicy:RolePolicy": "IAM: no charge",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM: no charge",
  "aws:iam/instanceProfile:InstanceProfile": "IAM: no charge",
  "aws:iam/policy:Policy": "IAM: no charge",
  "aws:sns/topic:Topic": "SNS: billed per message (first million a month free)",
  "aws:sns/topicPolicy:TopicPolicy": "no charge",
  "aws:sns/topicSubscription:TopicSubscription":
    "SNS: billed per delivery (email: first 1,000 free)",
  "aws:sqs/queue:Queue": "SQS: billed per request (first million a month free)",
  "aws:sqs/queuePolicy:QueuePolicy": "no charge",
  "aws:ec2/securityGroup:SecurityGroup": "no charge",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "no charge",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "no charge",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "gateway endpoint: no charge",
  "aws:lb/targetGroup:TargetGroup": "priced with its load balancer",
  "aws:lb/listener:Listener": "priced with its load balancer",
  "aws:lb/listenerRule:ListenerRule": "priced with its load balancer",
  "aws:autoscaling/policy:Policy":
    "step scaling: no charge (target tracking is priced: its alarms)",
  "aws:budgets/budget:Budget": "AWS Budgets: budgets without actions cost nothing",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "no charge",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "SSE-S3: no charge",
  "aws:s3/bucketNotification:BucketNotification": "no charge",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "no charge",
  "aws:s3/bucketPolicy:BucketPolicy": "no charge",
  "aws:s3/bucketObject:BucketObject": "storage counted in --s3-gb",
  "aws:s3/bucketObjectv2:BucketObjectv2": "storage counted in --s3-gb",
};
