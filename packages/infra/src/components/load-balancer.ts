import {
  DEREGISTRATION_DELAY_SECONDS,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HEALTH_CHECK_TIMEOUT_SECONDS,
  HEALTHY_THRESHOLD,
  UNHEALTHY_THRESHOLD,
} from "@flakeops/api/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../tier/plan.js";
import {
  createAliasRecord,
  createDomainCertificate,
  type HttpsArgs,
  wantsHttps,
} from "./certificate.js";
import type { Network } from "./network.js";

export interface LoadBalancerOptions {
  readonly network: Network;
  /** The instances' port: the target group forwards to it and health-checks it. */
  readonly appPort: number;
  /**
   * HTTPS on 443 (80 redirects to it) with `certificateArn`, or with a certificate issued for
   * `domainName` in the Route 53 zone `hostedZoneId` (checked by checkHttpsArgs). Neither:
   * plain HTTP on 80.
   */
  readonly https?: HttpsArgs | undefined;
  /** Where the ALB writes its access logs (a bucket from createAccessLogBucket). */
  readonly accessLogBucket?: pulumi.Input<string> | undefined;
  readonly tags: Record<string, string>;
}

export interface LoadBalancer {
  readonly alb: aws.lb.LoadBalancer;
  /** The group registers its instances here; their health checks decide their fate. */
  readonly targetGroup: aws.lb.TargetGroup;
  /** https://<domainName>, else http(s)://<load balancer DNS name> */
  readonly url: pulumi.Output<string>;
}

/** The ports the load balancer listens on (its security group opens exactly these). */
export function listenerPorts(https: HttpsArgs | undefined): number[] {
  return https && wantsHttps(https) ? [80, 443] : [80];
}

/**
 * The only public entry: an ALB in the public subnets, a target group that health-checks the
 * API's health path, and the listeners (HTTP forwarding, or HTTPS with HTTP redirecting).
 */
export function createLoadBalancer(
  name: string,
  opts: LoadBalancerOptions,
  parent: pulumi.Resource,
): LoadBalancer {
  const { network, tags } = opts;
  const alb = new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      securityGroups: [network.albSecurityGroup.id],
      subnets: network.publicSubnetIds,
      dropInvalidHeaderFields: true,
      // Large microscope images upload slowly; detection itself is bounded by the API.
      idleTimeout: 120,
      ...(opts.accessLogBucket
        ? { accessLogs: { bucket: opts.accessLogBucket, enabled: true, prefix: name } }
        : {}),
      tags,
    },
    { parent },
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-tg`,
    {
      port: opts.appPort,
      protocol: "HTTP",
      targetType: "instance",
      vpcId: network.vpcId,
      deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
      healthCheck: {
        path: DEFAULTS.healthCheckPath,
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200",
        // The API's contract: its drain period is derived from these.
        interval: HEALTH_CHECK_INTERVAL_SECONDS,
        timeout: HEALTH_CHECK_TIMEOUT_SECONDS,
        healthyThreshold: HEALTHY_THRESHOLD,
        unhealthyThreshold: UNHEALTHY_THRESHOLD,
      },
      tags,
    },
    { parent },
  );
  const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
  const { domainName, hostedZoneId } = opts.https ?? {};
  const domain =
    domainName !== undefined && hostedZoneId !== undefined
      ? { domainName, hostedZoneId }
      : undefined;
  const certificateArn = domain
    ? createDomainCertificate(name, { ...domain, tags }, parent).certificateArn
    : opts.https?.certificateArn;
  if (certificateArn) {
    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn,
        defaultActions: forward,
      },
      { parent },
    );
  }
  new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: certificateArn
        ? [
            {
              type: "redirect",
              redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
            },
          ]
        : forward,
    },
    { parent },
  );
  if (domain) createAliasRecord(name, { ...domain, alb }, parent);
  const url = domain
    ? pulumi.output(`https://${domain.domainName}`)
    : pulumi.interpolate`${certificateArn ? "https" : "http"}://${alb.dnsName}`;
  return { alb, targetGroup, url };
}
