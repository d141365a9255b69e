import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_ENTRY, BUNDLE_MANIFEST_SUFFIX } from "@flakeops/api/contract";
import * as pulumi from "@pulumi/pulumi";
import { awsLimitViolations } from "./aws-limits.js";

/**
 * Pulumi's documented unit-testing seam (pulumi.runtime.setMocks): every resource a program
 * registers reaches `newResource`, every provider function reaches `call`. We record both and
 * answer with the outputs the real providers would add (ids, ARNs, DNS names, versions).
 */

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped property bags
  readonly inputs: Record<string, any>;
  readonly provider: string | undefined;
}

export interface RecordedCall {
  readonly token: string;
  // biome-ignore lint/suspicious/noExplicitAny: call inputs are untyped property bags
  readonly inputs: Record<string, any>;
}

export const PROJECT = "flakeops-test";
export const STACK = "dev";

export class MockCloud implements pulumi.runtime.Mocks {
  resources: RecordedResource[] = [];
  calls: RecordedCall[] = [];
  /** What AWS would refuse among the registered inputs (see aws-limits.ts); `run` fails on any. */
  violations: string[] = [];
  /** What the provider reports as the launch template's latest version. */
  launchTemplateVersion = 1;

  reset(): void {
    this.resources = [];
    this.calls = [];
    this.violations = [];
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string;
    state: Record<string, unknown>;
  } {
    this.resources.push({
      type: args.type,
      name: args.name,
      inputs: args.inputs,
      provider: args.provider,
    });
    // AWS's documented limits, checked as each resource is registered (as the real API would).
    this.violations.push(...awsLimitViolations(args.type, args.name, args.inputs));
    const id = `${args.name}-id`;
    const arn = `arn:aws:mock:us-east-1:000000000000:${args.type.split(":").pop()}/${args.name}`;
    // Physical names: what auto-naming would produce (the logical name plus a suffix).
    const name = args.inputs.name ?? `${args.name}-1a2b3c4`;
    const base = { ...args.inputs, name, arn };
    switch (args.type) {
      case "awsx:ec2:Vpc":
        return {
          id,
          state: {
            ...args.inputs,
            vpcId: "vpc-0mock",
            publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
            privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
            isolatedSubnetIds: [],
          },
        };
      case "aws:ec2/launchTemplate:LaunchTemplate":
        return {
          id: `lt-${args.name}`,
          state: {
            ...base,
            latestVersion: this.launchTemplateVersion,
            defaultVersion: this.launchTemplateVersion,
          },
        };
      case "aws:lb/loadBalancer:LoadBalancer":
        return {
          id,
          state: {
            ...base,
            dnsName: `${args.name}-123.us-east-1.elb.amazonaws.com`,
            // us-east-1's ALB hosted zone (Elastic Load Balancing endpoints and quotas).
            zoneId: "Z35SXDOTRQ7X7K",
            arnSuffix: `app/${name}/50dc6c495c0c9188`,
          },
        };
      case "aws:lb/targetGroup:TargetGroup":
        return { id, state: { ...base, arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067` } };
      case "aws:acm/certificate:Certificate":
        // DNS validation: ACM names one CNAME per domain under the domain itself.
        return {
          id,
          state: {
            ...base,
            arn: `arn:aws:acm:us-east-1:000000000000:certificate/${args.name}`,
            status: "PENDING_VALIDATION",
            domainValidationOptions: [
              {
                domainName: args.inputs.domainName,
                resourceRecordName: `_3f1c9a.${args.inputs.domainName}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: "_8e2d4b.abcdefghij.acm-validations.aws.",
              },
            ],
          },
        };
      case "aws:acm/certificateValidation:CertificateValidation":
        return { id, state: { ...args.inputs } };
      case "aws:route53/record:Record":
        return { id, state: { ...base, fqdn: String(args.inputs.name).replace(/\.$/, "") } };
      case "aws:s3/bucket:Bucket":
        return { id: name, state: { ...base, bucket: name, arn: `arn:aws:s3:::${name}` } };
      case "aws:sqs/queue:Queue":
        return {
          id,
          state: { ...base, url: `https://sqs.us-east-1.amazonaws.com/000000000000/${name}` },
        };
      case "aws:cloudwatch/dashboard:Dashboard":
        return { id: args.inputs.dashboardName, state: { ...args.inputs, dashboardArn: arn } };
      default:
        return { id, state: base };
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.calls.push({ token: args.token, inputs: args.inputs });
    switch (args.token) {
      case "aws:ec2/getAmi:getAmi": {
        const pinned = args.inputs.filters?.find((f: { name: string }) => f.name === "image-id")
          ?.values?.[0];
        // A pinned image: one whose root device is /dev/sda1, as many non-Amazon-Linux AMIs have.
        if (pinned)
          return {
            id: pinned,
            imageId: pinned,
            architecture: "x86_64",
            rootDeviceName: "/dev/sda1",
          };
        const arch =
          args.inputs.filters?.find((f: { name: string }) => f.name === "architecture")
            ?.values?.[0] ?? "x86_64";
        const pattern: string =
          args.inputs.filters?.find((f: { name: string }) => f.name === "name")?.values?.[0] ?? "";
        const gpu = pattern.startsWith("Deep Learning");
        return {
          id: `ami-${gpu ? "dlami" : "al2023"}-${arch}`,
          imageId: `ami-${gpu ? "dlami" : "al2023"}-${arch}`,
          architecture: arch,
          name: pattern.replace("*", "20261101"),
          rootDeviceName: "/dev/xvda",
        };
      }
      case "aws:index/getRegion:getRegion":
        return {
          id: "us-east-1",
          name: "us-east-1",
          region: "us-east-1",
          endpoint: "ec2.us-east-1.amazonaws.com",
        };
      case "aws:ec2/getRouteTable:getRouteTable":
        // One private route table per AZ, as awsx creates them.
        return { id: `rtb-${args.inputs.subnetId}`, routeTableId: `rtb-${args.inputs.subnetId}` };
      case "aws:elb/getServiceAccount:getServiceAccount":
        // The us-east-1 Elastic Load Balancing account (ELB user guide, access logs).
        return { id: "127311923021", arn: "arn:aws:iam::127311923021:root" };
      case "aws:index/getPartition:getPartition":
        return {
          id: "aws",
          partition: "aws",
          dnsSuffix: "amazonaws.com",
          reverseDnsPrefix: "com.amazonaws",
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
          id: "us-east-1",
          names: ["us-east-1a", "us-east-1b"],
          zoneIds: ["use1-az1", "use1-az2"],
        };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: "000000000000",
          accountId: "000000000000",
          arn: "arn:aws:iam::000000000000:user/mock",
          userId: "mock",
        };
      default:
        return args.inputs;
    }
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  }
}

export async function installMocks(): Promise<MockCloud> {
  const cloud = new MockCloud();
  // preview=false: an update, so outputs are known values.
  await pulumi.runtime.setMocks(cloud, PROJECT, STACK, false);
  return cloud;
}

/** Set the stack config for the next program (keys in the project namespace). */
export function setStackConfig(values: Record<string, string>): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) all[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
  pulumi.runtime.setAllConfig(all);
}

/** Resolve an Output (or plain value) to its value. */
export function resolved<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * Wait until every registration the program started has reached the mocks: the SDK's own RPC
 * queue drain where it exposes it, then until the recorded set stops growing.
 */
export async function settle(cloud: MockCloud): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  let stable = 0;
  let last = -1;
  while (stable < 3) {
    if (runtime.waitForRPCs) await runtime.waitForRPCs();
    await new Promise((r) => setTimeout(r, 5));
    stable = cloud.resources.length === last ? stable + 1 : 0;
    last = cloud.resources.length;
  }
}

/** Run a program (a function creating resources) against a fresh record. */
export async function run<T>(cloud: MockCloud, program: () => T | Promise<T>): Promise<T> {
  cloud.reset();
  const result = await program();
  await settle(cloud);
  if (cloud.violations.length > 0) {
    throw new Error(`AWS would refuse:\n${cloud.violations.join("\n")}`);
  }
  return result;
}

let artifactDir: string | undefined;
let artifactCount = 0;

/**
 * A stand-in for the api package's bundle and the manifest its script writes next to it: under
 * mocks only the tarball's hash (it names the S3 key) and the manifest's architectures matter.
 * Files go to one temp folder per test process, removed when the process exits.
 */
export function fakeArtifact(architectures: readonly string[] = ["x64", "arm64"]): string {
  if (artifactDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "flakeops-infra-"));
    artifactDir = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = join(artifactDir, `api-${++artifactCount}.tgz`);
  const bytes = "the api deploy output, tarred";
  writeFileSync(file, bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(
    `${file}${BUNDLE_MANIFEST_SUFFIX}`,
    JSON.stringify({ entry: BUNDLE_ENTRY, architectures, sha256 }),
  );
  return file;
}
