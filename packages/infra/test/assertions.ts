import { alarmRulesFor, type WorkTrackingRule } from "@flakeops/sizing";
import { expect } from "vitest";
import type { MockCloud, RecordedResource } from "./harness.js";

/**
 * Checks shared by the component tests and the example-program tests: what a deployed tier
 * must look like, read from the resources the program registered.
 */

export const T = {
  group: "aws:autoscaling/group:Group",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  policy: "aws:autoscaling/policy:Policy",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  listener: "aws:lb/listener:Listener",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  budget: "aws:budgets/budget:Budget",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  vpc: "awsx:ec2:Vpc",
  bucketObject: "aws:s3/bucketObject:BucketObject",
} as const;

/** The mocks' ARN for a resource (see MockCloud.newResource). */
export function arnOf(r: RecordedResource): string {
  return `arn:aws:mock:us-east-1:000000000000:${r.type.split(":").pop()}/${r.name}`;
}

export function physicalName(r: RecordedResource): string {
  return r.inputs.name ?? `${r.name}-1a2b3c4`;
}

export function userDataOf(cloud: MockCloud): string {
  return Buffer.from(cloud.one(T.launchTemplate).inputs.userData, "base64").toString("utf8");
}

/**
 * Exactly the rule table's alarms for the tier (the group's, plus the load balancer's or the
 * queue's), each with the rule's metric, missing-data treatment and dimensions, wired to its
 * scaling policy or the topic.
 */
export function expectRuleAlarms(
  cloud: MockCloud,
  shape: "api" | "batch" = "api",
  scalingRule: WorkTrackingRule | null = null,
): void {
  const group = cloud.one(T.group);
  const topic = cloud.one(T.topic);
  const alarms = cloud.ofType(T.alarm);
  const tracking = cloud
    .ofType(T.policy)
    .filter((p) => p.inputs.policyType === "TargetTrackingScaling");
  const policies = cloud.ofType(T.policy).filter((p) => !tracking.includes(p));
  // A work-tracking rule replaces the CPU rows: neither their alarms nor their step policies.
  const rules = alarmRulesFor({ loadBalancer: shape === "api", queue: shape === "batch" }).filter(
    (r) => !scalingRule?.replaces.includes(r.id),
  );
  expectWorkTracking(cloud, scalingRule, tracking);
  expect(alarms.map((a) => a.name.split("-").slice(1).join("-")).sort()).toEqual(
    rules.map((r) => r.id).sort(),
  );
  expect(alarms.length).toBeGreaterThan(4);
  expect(policies).toHaveLength(rules.filter((r) => r.action.kind === "scale").length);
  for (const rule of rules) {
    const matching = alarms.filter((a) => a.name.endsWith(`-${rule.id}`));
    expect(matching, rule.id).toHaveLength(1);
    const alarm = matching[0]!.inputs;
    expect(alarm.treatMissingData, rule.id).toBe(rule.treatMissingData);
    expect(alarm, rule.id).toMatchObject({
      comparisonOperator: rule.comparison,
      evaluationPeriods: rule.evaluationPeriods,
    });
    if (rule.thresholdFrom === undefined) expect(alarm.threshold, rule.id).toBe(rule.threshold);
    if (rule.ratioOf) {
      const [errors, requests, rate] = alarm.metricQueries;
      expect(errors.metric).toMatchObject({ metricName: rule.metric, stat: rule.statistic });
      expect(requests.metric).toMatchObject({ metricName: rule.ratioOf.per });
      expect(rate).toMatchObject({
        expression: "100 * FILL(errors, 0) / requests",
        returnData: true,
      });
    } else {
      expect(alarm, rule.id).toMatchObject({
        metricName: rule.metric,
        namespace: rule.namespace,
        period: rule.periodSeconds,
        ...(rule.statistic === "p95"
          ? { extendedStatistic: "p95" }
          : { statistic: rule.statistic }),
      });
    }
    const dimensions = alarm.dimensions ?? alarm.metricQueries[0].metric.dimensions;
    if (rule.scope === "group") {
      expect(dimensions).toEqual({ AutoScalingGroupName: physicalName(group) });
    } else if (rule.scope === "target-group") {
      expect(Object.keys(dimensions).sort()).toEqual(["LoadBalancer", "TargetGroup"]);
    } else {
      expect(Object.keys(dimensions)).toEqual(["QueueName"]);
    }
    if (rule.action.kind === "scale") {
      const policy = policies.find((p) => p.name.endsWith(`-${rule.id}`));
      expect(policy, `${rule.id} policy`).toBeDefined();
      expect(alarm.alarmActions, rule.id).toEqual([arnOf(policy!)]);
      expect(policy!.inputs).toMatchObject({
        autoscalingGroupName: physicalName(group),
        policyType: "StepScaling",
        adjustmentType: "ChangeInCapacity",
      });
      expect(policy!.inputs.stepAdjustments).toHaveLength(1);
      const step = policy!.inputs.stepAdjustments[0];
      expect(step.scalingAdjustment).toBe(rule.action.adjustment);
      // The step covers the whole breach side of the threshold.
      if (rule.comparison === "GreaterThanThreshold")
        expect(step.metricIntervalLowerBound).toBe("0");
      else expect(step.metricIntervalUpperBound).toBe("0");
    } else {
      expect(alarm.alarmActions, rule.id).toEqual([arnOf(topic)]);
      expect(alarm.okActions, rule.id).toEqual([arnOf(topic)]);
    }
  }
}

/**
 * The sizing answer's work-tracking rule as one target-tracking policy on the group: the ALB's
 * requests per target at the rule's target value, labelled with the load balancer's and target
 * group's ARN suffixes; none without a rule.
 */
function expectWorkTracking(
  cloud: MockCloud,
  rule: WorkTrackingRule | null,
  tracking: RecordedResource[],
): void {
  if (!rule) {
    expect(tracking).toEqual([]);
    return;
  }
  expect(tracking).toHaveLength(1);
  const policy = tracking[0]!;
  expect(policy.name.endsWith(`-${rule.id}`)).toBe(true);
  const lb = cloud.one(T.loadBalancer);
  const tg = cloud.one(T.targetGroup);
  const suffix = (r: RecordedResource, kind: string, id: string) =>
    `${kind}/${physicalName(r)}/${id}`;
  expect(policy.inputs).toMatchObject({
    autoscalingGroupName: physicalName(cloud.one(T.group)),
    policyType: "TargetTrackingScaling",
    targetTrackingConfiguration: {
      targetValue: rule.targetValue,
      predefinedMetricSpecification: {
        predefinedMetricType: "ALBRequestCountPerTarget",
        // The mocks' arnSuffix values (harness.ts).
        resourceLabel: `${suffix(lb, "app", "50dc6c495c0c9188")}/${suffix(tg, "targetgroup", "73e2d6bc24d8a067")}`,
      },
    },
  });
  expect(policy.inputs.stepAdjustments).toBeUndefined();
}

/** IMDSv2 only, and an encrypted gp3 root volume of the given size on the AMI's root device. */
export function expectHardenedLaunchTemplate(cloud: MockCloud, volumeGiB: number): void {
  const lt = cloud.one(T.launchTemplate).inputs;
  expect(lt.metadataOptions.httpTokens).toBe("required");
  expect(lt.metadataOptions.httpEndpoint).toBe("enabled");
  expect([1, 2]).toContain(lt.metadataOptions.httpPutResponseHopLimit);
  expect(lt.blockDeviceMappings).toEqual([
    {
      deviceName: "/dev/xvda",
      ebs: {
        volumeSize: volumeGiB,
        volumeType: "gp3",
        encrypted: "true",
        deleteOnTermination: "true",
      },
    },
  ]);
  expect(lt.keyName).toBeUndefined();
}

/** Nothing is open to the internet but the load balancer's listener ports; instances only to the ALB. */
export function expectOnlyAlbIsPublic(cloud: MockCloud, appPort = 5000): void {
  const listenerPorts = cloud.ofType(T.listener).map((l) => l.inputs.port);
  const groups = cloud.ofType(T.securityGroup);
  const albGroup = groups.find((g) => g.name.endsWith("-alb"))!;
  const instanceGroup = groups.find((g) => g.name.endsWith("-instances"))!;
  expect(cloud.one(T.loadBalancer).inputs.securityGroups).toEqual([`${albGroup.name}-id`]);
  expect(cloud.one(T.launchTemplate).inputs.vpcSecurityGroupIds).toEqual([
    `${instanceGroup.name}-id`,
  ]);
  for (const g of groups) expect(g.inputs.ingress ?? [], "no inline rules").toEqual([]);
  const rules = cloud.ofType(T.ingress);
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) {
    const i = rule.inputs;
    expect(i.fromPort === 22 || i.toPort === 22, "no SSH").toBe(false);
    if (i.cidrIpv4 === "0.0.0.0/0" || i.cidrIpv6 === "::/0") {
      expect(i.securityGroupId, rule.name).toBe(`${albGroup.name}-id`);
      expect(i.fromPort).toBe(i.toPort);
      expect(listenerPorts).toContain(i.fromPort);
    } else {
      expect(i.cidrIpv4, rule.name).toBeUndefined();
    }
  }
  const toInstances = rules.filter((r) => r.inputs.securityGroupId === `${instanceGroup.name}-id`);
  expect(toInstances).toHaveLength(1);
  expect(toInstances[0]!.inputs).toMatchObject({
    referencedSecurityGroupId: `${albGroup.name}-id`,
    fromPort: appPort,
    toPort: appPort,
    ipProtocol: "tcp",
  });
}

/** The group replaces instances that fail the API's /health through the load balancer. */
export function expectHealthChecks(cloud: MockCloud): void {
  const tg = cloud.one(T.targetGroup);
  expect(tg.inputs.healthCheck.path).toBe("/health");
  expect(tg.inputs.port).toBe(5000);
  const group = cloud.one(T.group).inputs;
  expect(group.healthCheckType).toBe("ELB");
  expect(group.targetGroupArns).toEqual([arnOf(tg)]);
  // `pulumi up` waits for minSize healthy targets (on create and capacity changes) or fails.
  expect(group.waitForElbCapacity).toBe(group.minSize);
  expect(group.waitForCapacityTimeout).toBe("15m");
}

/** Rolling instance refresh on launch-template change, the group pinned to the template's version. */
export function expectInstanceRefresh(cloud: MockCloud): void {
  const group = cloud.one(T.group).inputs;
  const lt = cloud.one(T.launchTemplate);
  expect(group.instanceRefresh).toMatchObject({
    strategy: "Rolling",
    preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
  });
  // No rollback claim: the provider rolls back onto the new template (terraform-provider-aws#34189).
  expect(group.instanceRefresh.preferences.autoRollback).toBeUndefined();
  const spec =
    group.launchTemplate ?? group.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification;
  expect(spec.id ?? spec.launchTemplateId).toBe(`lt-${lt.name}`);
  expect(spec.version).toBe(String(cloud.launchTemplateVersion));
}

export function expectSpot(cloud: MockCloud, spot: boolean): void {
  const group = cloud.one(T.group).inputs;
  if (!spot) {
    expect(group.mixedInstancesPolicy).toBeUndefined();
    expect(group.capacityRebalance).toBeUndefined();
    expect(group.launchTemplate).toBeDefined();
    return;
  }
  expect(group.launchTemplate).toBeUndefined();
  expect(group.capacityRebalance).toBe(true);
  expect(group.mixedInstancesPolicy.instancesDistribution).toMatchObject({
    onDemandPercentageAboveBaseCapacity: 0,
    spotAllocationStrategy: "price-capacity-optimized",
  });
}
