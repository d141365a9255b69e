import { describe, expect, it } from "vitest";
import { AWS_LIMITS, awsLimitViolations } from "./aws-limits.js";

/**
 * The limits table itself: each rule refuses what AWS refuses and accepts what it accepts.
 * (harness.ts runs every resource that any test registers through it.)
 */

const SG_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

describe("AWS's documented limits (test/aws-limits.ts)", () => {
  it("refuses an apostrophe in a security-group rule description (EC2 InvalidParameterValue)", () => {
    const [v] = awsLimitViolations(SG_RULE, "api-alb-out-app", {
      description: "to the instances' app port",
    });
    expect(v).toContain("description");
    expect(v).toContain("docs.aws.amazon.com");
    expect(awsLimitViolations(SG_RULE, "x", { description: "to the instances app port" })).toEqual(
      [],
    );
    expect(awsLimitViolations(SG_RULE, "x", { description: "x".repeat(256) })).toHaveLength(1);
  });

  it("bounds ALB and target group names to 32 alphanumerics or hyphens", () => {
    const lb = "aws:lb/loadBalancer:LoadBalancer";
    expect(awsLimitViolations(lb, "api-alb", {})).toEqual([]);
    expect(awsLimitViolations(lb, "a".repeat(25), {})).toHaveLength(1); // + 8 for auto-naming
    expect(awsLimitViolations(lb, "x", { name: "internal-api" })).toHaveLength(1);
    expect(awsLimitViolations(lb, "x", { name: "api-" })).toHaveLength(1);
    expect(
      awsLimitViolations("aws:lb/targetGroup:TargetGroup", "x", { name: "api_tg" }),
    ).toHaveLength(1);
  });

  it("checks health-check ranges and timeout < interval", () => {
    const tg = "aws:lb/targetGroup:TargetGroup";
    const ok = {
      path: "/health",
      interval: 15,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    };
    expect(awsLimitViolations(tg, "tg", { healthCheck: ok })).toEqual([]);
    expect(awsLimitViolations(tg, "tg", { healthCheck: { ...ok, timeout: 15 } })).toHaveLength(1);
    expect(
      awsLimitViolations(tg, "tg", { healthCheck: { ...ok, interval: 4 } }).length,
    ).toBeGreaterThan(0);
    expect(
      awsLimitViolations(tg, "tg", { healthCheck: { ...ok, healthyThreshold: 11 } }),
    ).toHaveLength(1);
  });

  it("checks instance refresh: min 0-100, max 100-200, max - min <= 100", () => {
    const asg = "aws:autoscaling/group:Group";
    const group = (min: number, max = 200) => ({
      minSize: 1,
      maxSize: 2,
      desiredCapacity: 1,
      instanceRefresh: { preferences: { minHealthyPercentage: min, maxHealthyPercentage: max } },
    });
    expect(awsLimitViolations(asg, "asg", group(100))).toEqual([]);
    expect(awsLimitViolations(asg, "asg", group(90))).toHaveLength(1);
    expect(awsLimitViolations(asg, "asg", group(90, 190))).toEqual([]);
    expect(awsLimitViolations(asg, "asg", group(101)).length).toBeGreaterThan(0);
  });

  it("checks user data <= 16 KB raw, tags, IAM names, SQS ranges and bucket names", () => {
    const lt = "aws:ec2/launchTemplate:LaunchTemplate";
    const b64 = (n: number) => Buffer.alloc(n, "a").toString("base64");
    expect(awsLimitViolations(lt, "api-lt", { userData: b64(16 * 1024) })).toEqual([]);
    expect(awsLimitViolations(lt, "api-lt", { userData: b64(16 * 1024 + 1) })).toHaveLength(1);
    expect(awsLimitViolations(lt, "api-lt", { tags: { "aws:foo": "x" } })).toHaveLength(1);
    expect(awsLimitViolations(lt, "api-lt", { tags: { k: "v".repeat(257) } })).toHaveLength(1);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(awsLimitViolations(lt, "api-lt", { tags: many })).toHaveLength(1);
    expect(awsLimitViolations("aws:iam/role:Role", "r".repeat(57), {})).toHaveLength(1);
    const q = "aws:sqs/queue:Queue";
    expect(awsLimitViolations(q, "q", { messageRetentionSeconds: 1209600 })).toEqual([]);
    expect(awsLimitViolations(q, "q", { messageRetentionSeconds: 1209601 })).toHaveLength(1);
    expect(awsLimitViolations(q, "q", { visibilityTimeoutSeconds: 43201 })).toHaveLength(1);
    expect(
      awsLimitViolations(q, "q", { redrivePolicy: JSON.stringify({ maxReceiveCount: 0 }) }),
    ).toHaveLength(1);
    const bucket = "aws:s3/bucket:Bucket";
    expect(awsLimitViolations(bucket, "api-artifacts", {})).toEqual([]);
    expect(awsLimitViolations(bucket, "x", { bucket: "Api_Artifacts" })).toHaveLength(1);
    expect(awsLimitViolations(bucket, "x", { bucket: "xn--api" })).toHaveLength(1);
  });

  it("checks target tracking on ALB requests per target: label format and length, target > 0", () => {
    const policy = "aws:autoscaling/policy:Policy";
    const label =
      "app/api-alb-1a2b3c4/50dc6c495c0c9188/targetgroup/api-tg-1a2b3c4/73e2d6bc24d8a067";
    const tracking = (resourceLabel: unknown, targetValue: unknown = 1920) => ({
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        predefinedMetricSpecification: {
          predefinedMetricType: "ALBRequestCountPerTarget",
          resourceLabel,
        },
        targetValue,
      },
    });
    expect(awsLimitViolations(policy, "api-requests-per-target", tracking(label))).toEqual([]);
    // The target group's ARN alone, the full ARN, or nothing: AWS refuses each.
    expect(
      awsLimitViolations(policy, "p", tracking("targetgroup/api-tg/73e2d6bc24d8a067")),
    ).toHaveLength(1);
    expect(
      awsLimitViolations(
        policy,
        "p",
        tracking(`arn:aws:elasticloadbalancing:us-east-1:0:loadbalancer/${label}`),
      ),
    ).toHaveLength(1);
    expect(awsLimitViolations(policy, "p", tracking(undefined))).toHaveLength(1);
    const long = `app/${"a".repeat(1010)}/1/targetgroup/t/2`;
    expect(long.length).toBeGreaterThan(1023);
    expect(awsLimitViolations(policy, "p", tracking(long))).toHaveLength(1);
    expect(awsLimitViolations(policy, "p", tracking(label, 0))).toHaveLength(1);
    expect(awsLimitViolations(policy, "p", tracking(label, -5))).toHaveLength(1);
    expect(
      awsLimitViolations(policy, "p", { ...tracking(label), adjustmentType: "ChangeInCapacity" }),
    ).toHaveLength(1);
    // Step scaling is not target tracking: its own parameters stand.
    expect(
      awsLimitViolations(policy, "p", {
        policyType: "StepScaling",
        adjustmentType: "ChangeInCapacity",
        stepAdjustments: [{ scalingAdjustment: 1, metricIntervalLowerBound: "0" }],
      }),
    ).toEqual([]);
  });

  it("reports an aws: type without a row, and cites a source for every rule", () => {
    expect(awsLimitViolations("aws:ec2/eip:Eip", "x", {})[0]).toMatch(/add its row/);
    expect(awsLimitViolations("flakeops:infra:InferenceService", "x", {})).toEqual([]);
    for (const [type, limits] of Object.entries(AWS_LIMITS)) {
      for (const limit of limits)
        expect(limit.source, `${type} ${limit.rule}`).toMatch(/^https:\/\//);
    }
  });
});
