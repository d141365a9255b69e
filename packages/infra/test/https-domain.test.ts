import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, INFERENCE_SERVICE_TYPE, InferenceService } from "../src/index.js";
import { expectOnlyAlbIsPublic, T } from "./assertions.js";
import { awsLimitViolations } from "./aws-limits.js";
import {
  fakeArtifact,
  installMocks,
  type MockCloud,
  resolved,
  run,
  setStackConfig,
} from "./harness.js";

/**
 * HTTPS from a domain name (issue 9, "HTTPS when a certificate or domain is given"): an ACM
 * certificate validated through DNS in the given Route 53 zone, an HTTPS listener with it, HTTP
 * redirecting, and an alias record to the load balancer, all under the component.
 */

const CERT = "aws:acm/certificate:Certificate";
const VALIDATION = "aws:acm/certificateValidation:CertificateValidation";
const RECORD = "aws:route53/record:Record";
const DOMAIN = "detect.example.com";
const ZONE = "Z0123456789ABCDEFGHIJ";

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

describe("InferenceService with domainName and hostedZoneId", () => {
  let svc: InferenceService;
  const descendants: string[] = [];
  beforeAll(async () => {
    svc = await run(
      cloud,
      () =>
        new InferenceService(
          "api",
          {
            instanceType: "t3.large",
            artifact: { path: tarball },
            domainName: DOMAIN,
            hostedZoneId: ZONE,
          },
          {
            // Transformations pass down the parent chain only: what sees this one is a descendant.
            transformations: [
              (a) => {
                descendants.push(`${a.type}::${a.name}`);
                return undefined;
              },
            ],
          },
        ),
    );
  });

  it("requests a DNS-validated certificate and validates it in the zone", () => {
    expect(cloud.one(CERT).inputs).toMatchObject({ domainName: DOMAIN, validationMethod: "DNS" });
    const records = cloud.ofType(RECORD);
    expect(records).toHaveLength(2);
    const validationRecord = records.find((r) => r.inputs.type === "CNAME")!;
    expect(validationRecord.inputs).toMatchObject({
      zoneId: ZONE,
      name: `_3f1c9a.${DOMAIN}.`,
      records: ["_8e2d4b.abcdefghij.acm-validations.aws."],
      ttl: 60,
    });
    expect(cloud.one(VALIDATION).inputs).toEqual({
      certificateArn: `arn:aws:acm:us-east-1:000000000000:certificate/api-cert`,
      validationRecordFqdns: [`_3f1c9a.${DOMAIN}`],
    });
  });

  it("serves HTTPS on 443 with the validated certificate, and 80 redirects to it", () => {
    const listeners = cloud.ofType(T.listener).map((l) => l.inputs);
    expect(listeners.map((l) => l.port).sort()).toEqual([443, 80]);
    const https = listeners.find((l) => l.port === 443)!;
    expect(https.protocol).toBe("HTTPS");
    expect(https.certificateArn).toBe(cloud.one(VALIDATION).inputs.certificateArn);
    expect(https.defaultActions[0].type).toBe("forward");
    expect(listeners.find((l) => l.port === 80)!.defaultActions[0]).toMatchObject({
      type: "redirect",
      redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
    });
    // The load balancer's group opens 80 and 443, nothing reaches the instances directly.
    expectOnlyAlbIsPublic(cloud);
  });

  it("points the domain at the load balancer with an alias A record", () => {
    const alias = cloud.ofType(RECORD).find((r) => r.inputs.type === "A")!;
    expect(alias.inputs).toEqual({
      zoneId: ZONE,
      name: DOMAIN,
      type: "A",
      aliases: [
        {
          name: "api-alb-123.us-east-1.elb.amazonaws.com",
          zoneId: "Z35SXDOTRQ7X7K",
          evaluateTargetHealth: true,
        },
      ],
    });
  });

  it("parents the certificate, its validation and both records to the component", () => {
    const component = cloud.one(INFERENCE_SERVICE_TYPE);
    const children = cloud.resources.filter((r) => r !== component);
    for (const r of children.filter((r) => [CERT, VALIDATION, RECORD].includes(r.type))) {
      expect(descendants).toContain(`${r.type}::${r.name}`);
    }
    expect(descendants).toEqual(
      expect.arrayContaining([
        `${CERT}::api-cert`,
        `${VALIDATION}::api-cert`,
        `${RECORD}::api-cert-validation`,
        `${RECORD}::api-alias`,
      ]),
    );
  });

  it("gives https://<domain> as url, healthUrl and detectUrl", async () => {
    expect(await resolved(svc.url)).toBe(`https://${DOMAIN}`);
    expect(await resolved(svc.healthUrl)).toBe(`https://${DOMAIN}/health`);
    expect(await resolved(svc.detectUrl)).toBe(`https://${DOMAIN}/detect`);
  });
});

describe("without a domain", () => {
  it("creates no certificate and no records", async () => {
    await run(
      cloud,
      () => new InferenceService("api", { instanceType: "t3.large", artifact: { path: tarball } }),
    );
    expect(cloud.ofType(CERT)).toHaveLength(0);
    expect(cloud.ofType(RECORD)).toHaveLength(0);
    expect(cloud.ofType(T.listener)).toHaveLength(1);
  });
});

const ACCEPTED =
  "accepted: certificateArn alone (an ACM certificate in the stack's region), or domainName with hostedZoneId (the Route 53 zone that holds it), or neither (plain HTTP)";

describe("bad HTTPS args fail before anything is registered, with one line", () => {
  it.each([
    [{ domainName: DOMAIN }, `api: domainName is set without hostedZoneId; ${ACCEPTED}`],
    [{ hostedZoneId: ZONE }, `api: hostedZoneId is set without domainName; ${ACCEPTED}`],
    [
      {
        domainName: DOMAIN,
        hostedZoneId: ZONE,
        certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/abc",
      },
      `api: domainName and certificateArn are both set; ${ACCEPTED}`,
    ],
    [
      { domainName: "not a domain", hostedZoneId: ZONE },
      'api: domainName "not a domain" is not a domain name; accepted: a fully qualified name',
    ],
    [
      { domainName: `${"a".repeat(250)}.com`, hostedZoneId: ZONE },
      "is not a domain name; accepted: a fully qualified name such as api.example.com (labels of letters, digits, hyphens; at most 253 characters)",
    ],
    [
      { domainName: DOMAIN, hostedZoneId: "zone-1" },
      'api: hostedZoneId "zone-1" is not a Route 53 hosted zone id; accepted: Z',
    ],
  ])("%j", async (args, message) => {
    const error = await run(
      cloud,
      () =>
        new InferenceService("api", {
          instanceType: "t3.large",
          artifact: { path: tarball },
          ...args,
        }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("\n");
    expect(cloud.resources).toHaveLength(0);
  });
});

describe("stack config: domainName and hostedZoneId through deployFromConfig", () => {
  let main: () => Promise<Record<string, unknown>>;
  beforeAll(async () => {
    const example = "cpu-production";
    main = (await import(`../../../examples/${example}/index.ts`)).default;
  });

  it("deploys HTTPS for the domain and says so in the outputs", async () => {
    setStackConfig({ artifact: tarball, domainName: DOMAIN, hostedZoneId: ZONE });
    const outputs = await run(cloud, () => main());
    expect(outputs.protocol).toBe("https");
    expect(await resolved(outputs.url as string)).toBe(`https://${DOMAIN}`);
    expect(await resolved(outputs.healthUrl as string)).toBe(`https://${DOMAIN}/health`);
    expect(cloud.one(CERT).inputs.domainName).toBe(DOMAIN);
  });

  it.each([
    [{ domainName: DOMAIN }, `api: domainName is set without hostedZoneId; ${ACCEPTED}`],
    [
      {
        domainName: DOMAIN,
        hostedZoneId: ZONE,
        certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/abc",
      },
      `api: domainName and certificateArn are both set; ${ACCEPTED}`,
    ],
    [
      { domainName: "-bad-.example.com", hostedZoneId: ZONE },
      'invalid stack config: domainName: must be a fully qualified domain name such as api.example.com (got "-bad-.example.com")',
    ],
    [
      { domainName: DOMAIN, hostedZoneId: "example.com" },
      'invalid stack config: hostedZoneId: must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (got "example.com")',
    ],
  ])("fails the preview on %j with one clear line", async (config, message) => {
    setStackConfig({ artifact: tarball, ...config });
    const error = await main().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("AWS's limits for the new resource types (test/aws-limits.ts)", () => {
  it.each([
    [
      CERT,
      {
        domainName: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(60)}.com`,
        validationMethod: "DNS",
      },
      "domainName",
    ],
    [
      CERT,
      {
        domainName: DOMAIN,
        subjectAlternativeNames: Array.from({ length: 10 }, (_, i) => `n${i}.${DOMAIN}`),
        validationMethod: "DNS",
      },
      "at most 10 domain names",
    ],
    [CERT, { domainName: DOMAIN, validationMethod: "HTTP" }, "validationMethod"],
    [
      RECORD,
      { zoneId: ZONE, name: DOMAIN, type: "A", ttl: 60, aliases: [{ name: "x", zoneId: "Z1" }] },
      "alias record has no TTL",
    ],
    [
      RECORD,
      {
        zoneId: ZONE,
        name: `${"a".repeat(64)}.example.com`,
        type: "CNAME",
        ttl: 60,
        records: ["x"],
      },
      "labels up to 63 bytes",
    ],
    [
      RECORD,
      { zoneId: ZONE, name: DOMAIN, type: "ALIAS", ttl: 60, records: ["x"] },
      "record types",
    ],
  ])("%s refuses %j", (type, inputs, rule) => {
    const violations = awsLimitViolations(type, "api-x", inputs);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(rule);
  });

  it("accepts what the component registers", () => {
    expect(
      awsLimitViolations(CERT, "api-cert", { domainName: DOMAIN, validationMethod: "DNS" }),
    ).toEqual([]);
    expect(
      awsLimitViolations(RECORD, "api-alias", {
        zoneId: ZONE,
        name: DOMAIN,
        type: "A",
        aliases: [
          {
            name: "api-alb-123.us-east-1.elb.amazonaws.com",
            zoneId: "Z35SXDOTRQ7X7K",
            evaluateTargetHealth: true,
          },
        ],
      }),
    ).toEqual([]);
  });
});
