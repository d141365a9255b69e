import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Optional protections in front of the API: ALB access logs in an encrypted, private bucket,
 * and a WAF web ACL whose rate-based rule blocks a client IP that sends too many requests.
 */

/** Days access logs are kept. */
export const ACCESS_LOG_DAYS = 90;

/**
 * The access-log bucket. ALB access logs support only SSE-S3 (AES256) encryption, and the
 * load balancer writes through its regional ELB account (regions before August 2022) or the
 * log-delivery service principal (later ones): both may put under AWSLogs/ only.
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html)
 */
export function createAccessLogBucket(
  name: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: true, tags }, { parent });
  new aws.s3.BucketPublicAccessBlock(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      rules: [
        { id: "expire", status: "Enabled", filter: {}, expiration: { days: ACCESS_LOG_DAYS } },
      ],
    },
    { parent },
  );
  const elbAccount = aws.elb.getServiceAccountOutput({}, { parent }).arn;
  new aws.s3.BucketPolicy(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, elbAccount]).apply(([arn, elb]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: elb, Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `${arn}/AWSLogs/*`,
            },
          ],
        }),
      ),
    },
    { parent },
  );
  return bucket;
}

/**
 * A regional web ACL on the load balancer: allow by default, block an IP above `limit`
 * requests in any 5 minutes (WAF's rate-based statement; limit 10 to 2,000,000,000).
 */
export function createRateLimit(
  name: string,
  loadBalancerArn: pulumi.Input<string>,
  limit: number,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.wafv2.WebAcl {
  const visibility = (metricName: string) => ({
    cloudwatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  const acl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: [
        {
          name: "rate-per-ip",
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: "IP" } },
          visibilityConfig: visibility(`${name}-rate-per-ip`),
        },
      ],
      visibilityConfig: visibility(`${name}-waf`),
      tags,
    },
    { parent },
  );
  new aws.wafv2.WebAclAssociation(
    `${name}-waf`,
    { resourceArn: loadBalancerArn, webAclArn: acl.arn },
    { parent },
  );
  return acl;
}
