import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";

/**
 * HTTPS from a domain name: an ACM certificate validated through DNS in a Route 53 hosted zone
 * the stack's account manages, and the alias record that points the name at the load balancer.
 */

/** How a service gets HTTPS: its own certificate ARN, or a domain in a Route 53 zone. */
export interface HttpsArgs {
  readonly certificateArn?: pulumi.Input<string> | undefined;
  readonly domainName?: string | undefined;
  readonly hostedZoneId?: string | undefined;
}

/**
 * A fully qualified name ACM issues for: labels of 1-63 letters, digits or hyphens (not at
 * either end), at least two labels, 253 characters in all (ACM RequestCertificate DomainName:
 * length 1-253; RFC 1035 section 2.3.4). No wildcard: the alias record needs one name.
 */
const DOMAIN_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** A Route 53 hosted zone id: `Z` and uppercase letters and digits (up to 32, Route 53 API). */
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

export function isDomainName(value: string): boolean {
  return DOMAIN_NAME.test(value);
}

export function isHostedZoneId(value: string): boolean {
  return HOSTED_ZONE_ID.test(value);
}

const ACCEPTED =
  "accepted: certificateArn alone (an ACM certificate in the stack's region), or domainName with hostedZoneId (the Route 53 zone that holds it), or neither (plain HTTP)";

/** Check the HTTPS args before anything is registered: one line naming what is accepted. */
export function checkHttpsArgs(name: string, args: HttpsArgs): void {
  const { certificateArn, domainName, hostedZoneId } = args;
  if (domainName !== undefined && certificateArn !== undefined) {
    throw new ConfigError(`${name}: domainName and certificateArn are both set; ${ACCEPTED}`);
  }
  if ((domainName === undefined) !== (hostedZoneId === undefined)) {
    const [set, missing] =
      domainName === undefined ? ["hostedZoneId", "domainName"] : ["domainName", "hostedZoneId"];
    throw new ConfigError(`${name}: ${set} is set without ${missing}; ${ACCEPTED}`);
  }
  if (domainName !== undefined && !isDomainName(domainName)) {
    throw new ConfigError(
      `${name}: domainName "${domainName}" is not a domain name; accepted: a fully qualified name such as api.example.com (labels of letters, digits, hyphens; at most 253 characters)`,
    );
  }
  if (hostedZoneId !== undefined && !isHostedZoneId(hostedZoneId)) {
    throw new ConfigError(
      `${name}: hostedZoneId "${hostedZoneId}" is not a Route 53 hosted zone id; accepted: Z followed by uppercase letters and digits, e.g. Z0123456789ABCDEFGHIJ`,
    );
  }
}

/** Whether the args ask for HTTPS (the listener on 443 and its security-group rule). */
export function wantsHttps(args: HttpsArgs): boolean {
  return args.certificateArn !== undefined || args.domainName !== undefined;
}

export interface DomainCertificate {
  /** The certificate's ARN once ACM has issued it (the HTTPS listener waits for it). */
  readonly certificateArn: pulumi.Output<string>;
}

/**
 * An ACM certificate for `domainName` with DNS validation: ACM names one CNAME per domain
 * (a single name here, so exactly one), created in the zone; `CertificateValidation` waits
 * until ACM reports the certificate issued, so the listener never gets a pending certificate.
 * (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)
 */
export function createDomainCertificate(
  name: string,
  opts: { domainName: string; hostedZoneId: string; tags: Record<string, string> },
  parent: pulumi.Resource,
): DomainCertificate {
  const certificate = new aws.acm.Certificate(
    `${name}-cert`,
    { domainName: opts.domainName, validationMethod: "DNS", tags: opts.tags },
    { parent },
  );
  const option = certificate.domainValidationOptions[0]!;
  const record = new aws.route53.Record(
    `${name}-cert-validation`,
    {
      zoneId: opts.hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      // ACM reuses the same CNAME for a re-issued certificate of the same name.
      allowOverwrite: true,
    },
    { parent },
  );
  const validation = new aws.acm.CertificateValidation(
    `${name}-cert`,
    { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
    { parent },
  );
  return { certificateArn: validation.certificateArn };
}

/** `domainName` -> the load balancer: an alias A record (no charge for alias queries to an ALB). */
export function createAliasRecord(
  name: string,
  opts: { domainName: string; hostedZoneId: string; alb: aws.lb.LoadBalancer },
  parent: pulumi.Resource,
): aws.route53.Record {
  return new aws.route53.Record(
    `${name}-alias`,
    {
      zoneId: opts.hostedZoneId,
      name: opts.domainName,
      type: "A",
      aliases: [{ name: opts.alb.dnsName, zoneId: opts.alb.zoneId, evaluateTargetHealth: true }],
    },
    { parent },
  );
}
