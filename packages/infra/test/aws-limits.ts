/**
 * AWS's own limits, as the APIs document them, for every resource type the components
 * register. The mocks (harness.ts) run each registered resource's inputs through this table,
 * so a value the real API would refuse (InvalidParameterValue, ValidationError) fails the test
 * run instead of the first real `pulumi up`. Each rule cites where AWS (or the AWS provider's
 * validation code, which mirrors it) states it.
 *
 * Physical names: where a resource has no explicit name, Pulumi auto-names it from the
 * logical name plus a random suffix; the mocks model that as `<logical>-1a2b3c4` (8 characters
 * more), and the name rules are checked on that.
 */

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped property bags
type Inputs = Record<string, any>;

export interface Limit {
  /** What AWS requires, in one line (the failure message). */
  readonly rule: string;
  /** Where AWS documents it. */
  readonly source: string;
  /** Undefined when the inputs satisfy the rule, else what is wrong. */
  readonly check: (inputs: Inputs, physicalName: string) => string | undefined;
}

const EC2_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference";
const ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference";
const IAM_API = "https://docs.aws.amazon.com/IAM/latest/APIReference";
const ASG_API = "https://docs.aws.amazon.com/autoscaling/ec2/APIReference";
const CW_API = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference";
const ACM_API = "https://docs.aws.amazon.com/acm/latest/APIReference";
const R53_API = "https://docs.aws.amazon.com/Route53/latest/APIReference";
const R53_GUIDE = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide";
const SQS_API = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference";

/** The value at a dotted path, when every step exists. */
function at(inputs: Inputs, path: string): unknown {
  let v: unknown = inputs;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Inputs)[k];
  }
  return v;
}

/** A string property must match, when it is set. */
function text(path: string, test: (s: string) => boolean, rule: string, source: string): Limit {
  return {
    rule: `${path}: ${rule}`,
    source,
    check: (inputs) => {
      const v = at(inputs, path);
      if (v === undefined || v === null) return undefined;
      return typeof v === "string" && test(v) ? undefined : `${path} ${JSON.stringify(v)}`;
    },
  };
}

/** A numeric property (numbers or numeric strings, as Pulumi passes both) within a range. */
function range(path: string, min: number, max: number, source: string): Limit {
  return {
    rule: `${path}: ${min}-${max}`,
    source,
    check: (inputs) => {
      const v = at(inputs, path);
      if (v === undefined || v === null) return undefined;
      const n = Number(v);
      return Number.isFinite(n) && n >= min && n <= max ? undefined : `${path} ${String(v)}`;
    },
  };
}

/** The physical name (explicit or auto-named) must satisfy `test`. */
function physicalName(test: (s: string) => boolean, rule: string, source: string): Limit {
  return {
    rule: `name: ${rule}`,
    source,
    check: (_inputs, name) => (test(name) ? undefined : `name "${name}"`),
  };
}

const maxLength = (n: number) => (s: string) => s.length <= n;

// --- Target tracking ---------------------------------------------------------------------

/**
 * ALBRequestCountPerTarget's resource label: the load balancer's ARN's final portion and the
 * target group's, joined by "/" ("app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>"),
 * 1-1023 characters; only for that metric type.
 */
const RESOURCE_LABEL = /^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/;
const PREDEFINED_METRIC_SOURCE = `${ASG_API}/API_PredefinedMetricSpecification.html (ResourceLabel)`;

const TARGET_TRACKING: Limit[] = [
  {
    rule: "TargetTrackingScaling: targetTrackingConfiguration with a positive targetValue; no step-scaling parameters",
    source: `${ASG_API}/API_PutScalingPolicy.html (TargetTrackingConfiguration, StepAdjustments, AdjustmentType, MetricAggregationType: step scaling only); ${ASG_API}/API_TargetTrackingConfiguration.html`,
    check: (i) => {
      if (i.policyType !== "TargetTrackingScaling") return undefined;
      const value = Number(at(i, "targetTrackingConfiguration.targetValue"));
      if (!(Number.isFinite(value) && value > 0))
        return `targetTrackingConfiguration.targetValue ${String(at(i, "targetTrackingConfiguration.targetValue"))}`;
      for (const k of ["stepAdjustments", "adjustmentType", "metricAggregationType"])
        if (i[k] !== undefined) return `${k} on a target-tracking policy`;
      return undefined;
    },
  },
  {
    rule: "predefinedMetricSpecification.resourceLabel: app/<lb>/<id>/targetgroup/<tg>/<id>, 1-1023 characters, ALBRequestCountPerTarget only (and it needs one)",
    source: PREDEFINED_METRIC_SOURCE,
    check: (i) => {
      const spec = at(i, "targetTrackingConfiguration.predefinedMetricSpecification") as
        | Inputs
        | undefined;
      if (!spec) return undefined;
      const label = spec.resourceLabel;
      if (spec.predefinedMetricType !== "ALBRequestCountPerTarget")
        return label === undefined ? undefined : `resourceLabel on ${spec.predefinedMetricType}`;
      if (typeof label !== "string") return "ALBRequestCountPerTarget without a resourceLabel";
      return label.length <= 1023 && RESOURCE_LABEL.test(label)
        ? undefined
        : `resourceLabel ${JSON.stringify(label.slice(0, 80))}`;
    },
  },
];

// --- Shared rules -------------------------------------------------------------------------

/** EC2: "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", up to 255 characters. */
const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const SG_DESCRIPTION_SOURCE = `${EC2_API}/API_CreateSecurityGroup.html (GroupDescription); ${EC2_API}/API_IpPermission.html and API_UserIdGroupPair.html (Description)`;

/**
 * ALB/NLB and target group names: at most 32 characters, alphanumerics and hyphens, not
 * beginning or ending with a hyphen; a load balancer's may not begin with "internal-".
 */
const ELB_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;

/** IAM names: `[\w+=,.@-]+`. */
const IAM_NAME = /^[\w+=,.@-]+$/;
/** IAM paths: "/" alone, or starting and ending with "/", ASCII ! through DEL, up to 512. */
const IAM_PATH = /^(\/|\/[\u0021-\u007F]*\/)$/;

const TAGS_SOURCE =
  "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (50 tags, key 128 / value 256 Unicode characters, aws: prefix reserved)";

function tagViolations(tags: unknown, where: string): string | undefined {
  if (tags === undefined || tags === null) return undefined;
  const pairs: [string, unknown][] = Array.isArray(tags)
    ? tags.map((t: Inputs) => [String(t.key), t.value])
    : Object.entries(tags as Inputs);
  if (pairs.length > 50) return `${where}: ${pairs.length} tags (at most 50)`;
  for (const [k, v] of pairs) {
    if (k.length < 1 || k.length > 128) return `${where}: tag key "${k}" (1-128 characters)`;
    if (k.toLowerCase().startsWith("aws:")) return `${where}: tag key "${k}" (aws: is reserved)`;
    if (typeof v === "string" && v.length > 256)
      return `${where}: tag "${k}" value of ${v.length} characters (at most 256)`;
  }
  return undefined;
}

const TAGS: Limit = {
  rule: "tags: at most 50, keys 1-128 characters without the aws: prefix, values up to 256",
  source: TAGS_SOURCE,
  check: (inputs) => {
    const own = tagViolations(inputs.tags, "tags");
    if (own) return own;
    for (const spec of (inputs.tagSpecifications ?? []) as Inputs[]) {
      const v = tagViolations(spec.tags, `tagSpecifications[${spec.resourceType}]`);
      if (v) return v;
    }
    return undefined;
  },
};

const SG_RULE: Limit[] = [
  text(
    "description",
    (s) => EC2_DESCRIPTION.test(s),
    "up to 255 of a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*",
    SG_DESCRIPTION_SOURCE,
  ),
  range("fromPort", -1, 65535, `${EC2_API}/API_IpPermission.html`),
  range("toPort", -1, 65535, `${EC2_API}/API_IpPermission.html`),
  {
    rule: "fromPort <= toPort",
    source: `${EC2_API}/API_IpPermission.html`,
    check: (i) =>
      i.fromPort !== undefined && i.toPort !== undefined && Number(i.fromPort) > Number(i.toPort)
        ? `ports ${i.fromPort}-${i.toPort}`
        : undefined,
  },
];

// --- The table ------------------------------------------------------------------------------

/**
 * Per resource type (Pulumi's type token), the limits AWS enforces on the inputs we set.
 * Every `aws:` or `awsx:` type a component registers must have a row (even an empty one, with
 * the tags rule applied to all): an unlisted type is reported, so new resources get checked.
 */
export const AWS_LIMITS: Readonly<Record<string, readonly Limit[]>> = {
  "awsx:ec2:Vpc": [
    range(
      "numberOfAvailabilityZones",
      1,
      6,
      "https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/ (numberOfAvailabilityZones)",
    ),
  ],
  "aws:ec2/securityGroup:SecurityGroup": [
    text(
      "description",
      (s) => EC2_DESCRIPTION.test(s),
      "up to 255 of a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*",
      SG_DESCRIPTION_SOURCE,
    ),
    physicalName(
      (s) => EC2_DESCRIPTION.test(s) && !s.startsWith("sg-"),
      "up to 255 of the description characters, not starting with sg-",
      `${EC2_API}/API_CreateSecurityGroup.html (GroupName)`,
    ),
  ],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": SG_RULE,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": SG_RULE,
  "aws:ec2/vpcEndpoint:VpcEndpoint": [
    text(
      "vpcEndpointType",
      (s) => ["Gateway", "Interface", "GatewayLoadBalancer"].includes(s),
      "Gateway, Interface or GatewayLoadBalancer",
      `${EC2_API}/API_CreateVpcEndpoint.html`,
    ),
  ],
  "aws:lb/loadBalancer:LoadBalancer": [
    physicalName(
      (s) => ELB_NAME.test(s) && !s.startsWith("internal-"),
      "at most 32 alphanumerics or hyphens, no hyphen first or last, not starting with internal-",
      `${ELB_API}/API_CreateLoadBalancer.html (Name)`,
    ),
    range("idleTimeout", 1, 4000, `${ELB_API}/API_LoadBalancerAttribute.html`),
  ],
  "aws:lb/targetGroup:TargetGroup": [
    physicalName(
      (s) => ELB_NAME.test(s),
      "at most 32 alphanumerics or hyphens, no hyphen first or last",
      `${ELB_API}/API_CreateTargetGroup.html (Name)`,
    ),
    range("port", 1, 65535, `${ELB_API}/API_CreateTargetGroup.html`),
    range("deregistrationDelay", 0, 3600, `${ELB_API}/API_TargetGroupAttribute.html`),
    range("healthCheck.interval", 5, 300, `${ELB_API}/API_CreateTargetGroup.html`),
    range("healthCheck.timeout", 2, 120, `${ELB_API}/API_CreateTargetGroup.html`),
    range("healthCheck.healthyThreshold", 2, 10, `${ELB_API}/API_CreateTargetGroup.html`),
    range("healthCheck.unhealthyThreshold", 2, 10, `${ELB_API}/API_CreateTargetGroup.html`),
    text(
      "healthCheck.path",
      (s) => s.startsWith("/") && s.length <= 1024,
      "starts with / and is at most 1024 characters",
      `${ELB_API}/API_CreateTargetGroup.html`,
    ),
    {
      rule: "healthCheck.timeout < healthCheck.interval",
      source: `https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html ("must be smaller than the health check interval")`,
      check: (i) =>
        i.healthCheck?.timeout !== undefined &&
        i.healthCheck?.interval !== undefined &&
        Number(i.healthCheck.timeout) >= Number(i.healthCheck.interval)
          ? `timeout ${i.healthCheck.timeout} >= interval ${i.healthCheck.interval}`
          : undefined,
    },
  ],
  "aws:lb/listener:Listener": [range("port", 1, 65535, `${ELB_API}/API_CreateListener.html`)],
  "aws:iam/role:Role": [
    physicalName(
      (s) => IAM_NAME.test(s) && s.length <= 64,
      "1-64 of [\\w+=,.@-]",
      `${IAM_API}/API_CreateRole.html (RoleName)`,
    ),
    text(
      "path",
      (s) => IAM_PATH.test(s) && s.length <= 512,
      "/ or /.../ of ASCII ! to DEL, up to 512",
      `${IAM_API}/API_CreateRole.html (Path)`,
    ),
    text("description", maxLength(1000), "up to 1000 characters", `${IAM_API}/API_CreateRole.html`),
    range("maxSessionDuration", 3600, 43200, `${IAM_API}/API_CreateRole.html`),
  ],
  "aws:iam/instanceProfile:InstanceProfile": [
    physicalName(
      (s) => IAM_NAME.test(s) && s.length <= 128,
      "1-128 of [\\w+=,.@-]",
      `${IAM_API}/API_CreateInstanceProfile.html (InstanceProfileName)`,
    ),
    text(
      "path",
      (s) => IAM_PATH.test(s) && s.length <= 512,
      "/ or /.../ of ASCII ! to DEL, up to 512",
      `${IAM_API}/API_CreateInstanceProfile.html (Path)`,
    ),
  ],
  "aws:iam/rolePolicy:RolePolicy": [
    physicalName(
      (s) => IAM_NAME.test(s) && s.length <= 128,
      "1-128 of [\\w+=,.@-]",
      `${IAM_API}/API_PutRolePolicy.html (PolicyName)`,
    ),
    text(
      "policy",
      (s) => s.replace(/\s/g, "").length <= 10240,
      "inline role policies total at most 10,240 characters (whitespace excluded)",
      "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    ),
  ],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
    text(
      "policyArn",
      (s) => /^arn:[\w-]+:iam::(aws|\d{12}):policy\//.test(s),
      "an IAM policy ARN",
      `${IAM_API}/API_AttachRolePolicy.html`,
    ),
  ],
  "aws:ec2/launchTemplate:LaunchTemplate": [
    physicalName(
      (s) => /^[a-zA-Z0-9().\-/_]{3,128}$/.test(s),
      "3-128 of a-zA-Z0-9().-/_",
      `${EC2_API}/API_CreateLaunchTemplate.html (LaunchTemplateName)`,
    ),
    text(
      "description",
      maxLength(255),
      "up to 255 characters",
      `${EC2_API}/API_RequestLaunchTemplateData.html`,
    ),
    {
      rule: "userData: at most 16 KB before base64 encoding",
      source:
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html (user data is limited to 16 KB, in raw form, before it is base64-encoded)",
      check: (i) => {
        if (typeof i.userData !== "string") return undefined;
        const raw = Buffer.from(i.userData, "base64").length;
        return raw <= 16 * 1024 ? undefined : `userData of ${raw} bytes`;
      },
    },
    range(
      "metadataOptions.httpPutResponseHopLimit",
      1,
      64,
      `${EC2_API}/API_LaunchTemplateInstanceMetadataOptionsRequest.html`,
    ),
  ],
  "aws:autoscaling/group:Group": [
    physicalName(maxLength(255), "1-255 characters", `${ASG_API}/API_CreateAutoScalingGroup.html`),
    {
      rule: "minSize <= desiredCapacity <= maxSize",
      source: `${ASG_API}/API_CreateAutoScalingGroup.html (DesiredCapacity)`,
      check: (i) => {
        const [min, max] = [Number(i.minSize), Number(i.maxSize)];
        const d = i.desiredCapacity === undefined ? min : Number(i.desiredCapacity);
        return min <= d && d <= max ? undefined : `sizes ${min} <= ${d} <= ${max}`;
      },
    },
    range(
      "instanceRefresh.preferences.minHealthyPercentage",
      0,
      100,
      `${ASG_API}/API_RefreshPreferences.html (MinHealthyPercentage: 0 to 100)`,
    ),
    range(
      "instanceRefresh.preferences.maxHealthyPercentage",
      100,
      200,
      `${ASG_API}/API_RefreshPreferences.html (MaxHealthyPercentage: 100 to 200)`,
    ),
    {
      rule: "instance refresh: maxHealthyPercentage - minHealthyPercentage <= 100",
      source: `${ASG_API}/API_RefreshPreferences.html ("the difference between them cannot be greater than 100")`,
      check: (i) => {
        const p = i.instanceRefresh?.preferences;
        if (p?.maxHealthyPercentage === undefined) return undefined;
        const min = Number(p.minHealthyPercentage ?? 90);
        const max = Number(p.maxHealthyPercentage);
        return max - min <= 100 ? undefined : `min ${min}, max ${max}`;
      },
    },
    range("healthCheckGracePeriod", 0, 7200, `${ASG_API}/API_CreateAutoScalingGroup.html`),
    range("defaultInstanceWarmup", 0, 3600, `${ASG_API}/API_CreateAutoScalingGroup.html`),
  ],
  "aws:autoscaling/policy:Policy": [
    physicalName(maxLength(255), "1-255 characters", `${ASG_API}/API_PutScalingPolicy.html`),
    ...TARGET_TRACKING,
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    physicalName(maxLength(255), "1-255 characters", `${CW_API}/API_PutMetricAlarm.html`),
    text("alarmDescription", maxLength(1024), "up to 1024", `${CW_API}/API_PutMetricAlarm.html`),
    {
      rule: "period: 10, 20, 30 or a multiple of 60",
      source: `${CW_API}/API_PutMetricAlarm.html (Period)`,
      check: (i) => {
        const periods = [
          i.period,
          ...((i.metricQueries ?? []) as Inputs[]).map((q) => q.metric?.period),
        ];
        for (const p of periods.filter((p) => p !== undefined).map(Number)) {
          if (!([10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0))) return `period ${p}`;
        }
        return undefined;
      },
    },
    {
      rule: "evaluationPeriods >= 1 and period x evaluationPeriods <= 1 day",
      source: `${CW_API}/API_PutMetricAlarm.html (EvaluationPeriods)`,
      check: (i) => {
        const n = Number(i.evaluationPeriods);
        const period = Number(
          i.period ?? ((i.metricQueries ?? []) as Inputs[]).find((q) => q.metric)?.metric.period,
        );
        return n >= 1 && n * period <= 86400 ? undefined : `${n} x ${period} s`;
      },
    },
    text(
      "treatMissingData",
      (s) => ["breaching", "notBreaching", "ignore", "missing"].includes(s),
      "breaching, notBreaching, ignore or missing",
      `${CW_API}/API_PutMetricAlarm.html (TreatMissingData)`,
    ),
    {
      rule: "at most 5 alarm, OK and insufficient-data actions each",
      source: `${CW_API}/API_PutMetricAlarm.html (AlarmActions: maximum 5 items)`,
      check: (i) =>
        ["alarmActions", "okActions", "insufficientDataActions"].find(
          (k) => (i[k]?.length ?? 0) > 5,
        ),
    },
  ],
  "aws:cloudwatch/dashboard:Dashboard": [
    text(
      "dashboardName",
      (s) => /^[A-Za-z0-9_-]{1,255}$/.test(s),
      "1-255 of A-Za-z0-9_-",
      `${CW_API}/API_PutDashboard.html (DashboardName)`,
    ),
  ],
  "aws:sns/topic:Topic": [
    physicalName(
      (s) => /^[A-Za-z0-9_-]{1,256}$/.test(s),
      "1-256 of A-Za-z0-9_- (.fifo only for FIFO topics)",
      "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name)",
    ),
  ],
  "aws:sns/topicSubscription:TopicSubscription": [
    text(
      "protocol",
      (s) =>
        [
          "http",
          "https",
          "email",
          "email-json",
          "sms",
          "sqs",
          "application",
          "lambda",
          "firehose",
        ].includes(s),
      "one of SNS's protocols",
      "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html (Protocol)",
    ),
  ],
  "aws:sns/topicPolicy:TopicPolicy": [
    text(
      "policy",
      (s) => Buffer.byteLength(s) <= 30 * 1024,
      "at most 30 KB",
      "https://docs.aws.amazon.com/general/latest/gr/sns.html (Service quotas: topic policy size 30 KB)",
    ),
  ],
  "aws:budgets/budget:Budget": [
    physicalName(
      (s) => /^[^:\\]{1,100}$/.test(s),
      "1-100 characters, no : or \\",
      "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (BudgetName)",
    ),
  ],
  "aws:s3/bucket:Bucket": [
    {
      rule: "bucket name: 3-63 of a-z0-9.-, letter or digit first and last, no .., not an IP, no xn-- / sthree- prefix, no -s3alias / --ol-s3 suffix",
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
      check: (i, name) => {
        const b: string = i.bucket ?? name;
        const ok =
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b) &&
          !b.includes("..") &&
          !/^\d+\.\d+\.\d+\.\d+$/.test(b) &&
          !/^(xn--|sthree-)/.test(b) &&
          !/(-s3alias|--ol-s3)$/.test(b);
        return ok ? undefined : `bucket "${b}"`;
      },
    },
  ],
  "aws:s3/bucketObject:BucketObject": [
    text(
      "key",
      (s) => Buffer.byteLength(s) >= 1 && Buffer.byteLength(s) <= 1024,
      "1-1024 bytes",
      "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html",
    ),
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    text(
      "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
      (s) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(s),
      "AES256, aws:kms or aws:kms:dsse",
      "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html",
    ),
  ],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [],
  "aws:s3/bucketPolicy:BucketPolicy": [
    text(
      "policy",
      (s) => Buffer.byteLength(s) <= 20 * 1024,
      "at most 20 KB",
      "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
    ),
  ],
  "aws:s3/bucketNotification:BucketNotification": [],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [],
  "aws:sqs/queue:Queue": [
    physicalName(
      (s) => /^[A-Za-z0-9_-]{1,80}$/.test(s),
      "1-80 of A-Za-z0-9_-",
      `${SQS_API}/API_CreateQueue.html (QueueName)`,
    ),
    range("messageRetentionSeconds", 60, 1209600, `${SQS_API}/API_SetQueueAttributes.html`),
    range("visibilityTimeoutSeconds", 0, 43200, `${SQS_API}/API_SetQueueAttributes.html`),
    range("receiveWaitTimeSeconds", 0, 20, `${SQS_API}/API_SetQueueAttributes.html`),
    range("delaySeconds", 0, 900, `${SQS_API}/API_SetQueueAttributes.html`),
    {
      rule: "redrivePolicy.maxReceiveCount: 1-1000",
      source: `${SQS_API}/API_SetQueueAttributes.html (RedrivePolicy: maxReceiveCount)`,
      check: (i) => {
        if (typeof i.redrivePolicy !== "string") return undefined;
        const n = Number(JSON.parse(i.redrivePolicy).maxReceiveCount);
        return n >= 1 && n <= 1000 ? undefined : `maxReceiveCount ${n}`;
      },
    },
  ],
  "aws:sqs/queuePolicy:QueuePolicy": [],
  "aws:wafv2/webAcl:WebAcl": [
    physicalName(
      (s) => /^[\w-]{1,128}$/.test(s),
      "1-128 of A-Za-z0-9_-",
      "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html (Name)",
    ),
    {
      rule: "rate-based rule limit: 10 to 2,000,000,000",
      source:
        "https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html (Limit)",
      check: (i) => {
        for (const r of (i.rules ?? []) as Inputs[]) {
          const limit = r.statement?.rateBasedStatement?.limit;
          if (limit !== undefined && !(limit >= 10 && limit <= 2e9)) return `limit ${limit}`;
        }
        return undefined;
      },
    },
  ],
  "aws:wafv2/webAclAssociation:WebAclAssociation": [],
  "aws:acm/certificate:Certificate": [
    text(
      "domainName",
      (s) =>
        s.length <= 253 &&
        /^(\*\.)?((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9]\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/.test(
          s,
        ),
      "1-253 characters, labels of letters, digits and hyphens (an optional leading *.)",
      `${ACM_API}/API_RequestCertificate.html (DomainName: length 1-253, pattern)`,
    ),
    {
      rule: "at most 10 domain names per certificate (domainName + subjectAlternativeNames, default quota)",
      source:
        "https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html (Domain names per ACM certificate: 10, adjustable); RequestCertificate SubjectAlternativeNames: 1-100 items",
      check: (i) => {
        const names = new Set([i.domainName, ...((i.subjectAlternativeNames ?? []) as string[])]);
        return names.size <= 10 ? undefined : `${names.size} names`;
      },
    },
    text(
      "validationMethod",
      (s) => ["DNS", "EMAIL"].includes(s),
      "DNS or EMAIL",
      `${ACM_API}/API_RequestCertificate.html (ValidationMethod)`,
    ),
  ],
  // No AWS API of its own: the provider polls DescribeCertificate until the certificate is
  // ISSUED (the row records that it was considered).
  "aws:acm/certificateValidation:CertificateValidation": [],
  "aws:route53/record:Record": [
    text(
      "name",
      (s) =>
        s.replace(/\.$/, "").length <= 253 && s.split(".").every((label) => label.length <= 63),
      "labels up to 63 bytes, the whole name up to 255 bytes with its dots (253 without the root's)",
      `${R53_GUIDE}/DomainNameFormat.html`,
    ),
    text(
      "type",
      (s) =>
        [
          "SOA",
          "A",
          "TXT",
          "NS",
          "CNAME",
          "MX",
          "NAPTR",
          "PTR",
          "SRV",
          "SPF",
          "AAAA",
          "CAA",
          "DS",
          "TLSA",
          "SSHFP",
          "SVCB",
          "HTTPS",
        ].includes(s),
      "one of Route 53's record types",
      `${R53_API}/API_ResourceRecordSet.html (Type)`,
    ),
    range("ttl", 0, 2147483647, `${R53_API}/API_ResourceRecordSet.html (TTL)`),
    {
      rule: "an alias record has no TTL and no records; any other has both",
      source: `${R53_API}/API_ResourceRecordSet.html (AliasTarget, TTL, ResourceRecords)`,
      check: (i) => {
        const alias = (i.aliases?.length ?? 0) > 0;
        const plain = i.ttl !== undefined && (i.records?.length ?? 0) > 0;
        if (alias && (i.ttl !== undefined || i.records !== undefined))
          return "alias with ttl/records";
        return alias || plain ? undefined : "neither an alias nor ttl + records";
      },
    },
    {
      rule: "each record value up to 4000 characters",
      source: `${R53_API}/API_ResourceRecord.html (Value)`,
      check: (i) =>
        ((i.records ?? []) as unknown[]).find((r) => typeof r !== "string" || r.length > 4000) as
          | string
          | undefined,
    },
  ],
  // The refresh gate: a process on the machine running `pulumi up`, not an AWS resource, so no
  // AWS limit applies (outsideAws skips non-aws types; the row records that it was considered).
  "command:local:Command": [],
};

/** Types the limits do not apply to: Pulumi's own and the components themselves. */
function outsideAws(type: string): boolean {
  return !(type.startsWith("aws:") || type.startsWith("awsx:")) || type.startsWith("pulumi:");
}

/**
 * What AWS would refuse in one registered resource: `<type> <name>: <rule> (got ...; see
 * <source>)`, one line each. An `aws:` type without a row is itself reported.
 */
export function awsLimitViolations(type: string, name: string, inputs: Inputs): string[] {
  if (outsideAws(type)) return [];
  const limits = AWS_LIMITS[type];
  if (limits === undefined)
    return [`${type} ${name}: no documented limits recorded in test/aws-limits.ts; add its row`];
  const physical: string = inputs.name ?? `${name}-1a2b3c4`;
  const out: string[] = [];
  for (const limit of [...limits, TAGS]) {
    const got = limit.check(inputs, physical);
    if (got !== undefined)
      out.push(`${type} ${name}: ${limit.rule} (got ${got}; see ${limit.source})`);
  }
  return out;
}
