import type * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { foreignSecret, keySecrets } from "../src/components/secret-account.js";
import { ConfigError, InferenceService, type InferenceServiceArgs } from "../src/index.js";
import {
  fakeArtifact,
  installMocks,
  type MockCloud,
  resolved,
  run,
  setStackConfig,
} from "./harness.js";

/**
 * A key secret in another AWS account (issue 9: "a secret ARN the role cannot read"): an
 * identity policy never grants a role access across accounts, so the preview refuses it,
 * comparing each ARN's account with the deploying account (`getCallerIdentity`, which the
 * mocks answer with account 000000000000).
 */

const ACCOUNT = "000000000000";
const OTHER = "111122223333";

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

/** An Output's value, or its rejection (Output keeps its promise internal; apply skips errors). */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/**
 * The refusal happens in the caller-identity lookup's continuation, so in `pulumi up` it reaches
 * the Pulumi CLI's program runner as an unhandled rejection, which prints a RunError's message
 * alone and fails the run (@pulumi/pulumi cmd/run/run.js: process.on("unhandledRejection",
 * uncaughtHandler)). Stand in for that runner while `body` runs, and return what it would have
 * reported, each error once (the runner dedupes too).
 */
async function runnerReports(body: () => Promise<void>): Promise<Error[]> {
  const previous = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const reported = new Set<Error>();
  process.on("unhandledRejection", (e) => reported.add(e as Error));
  try {
    await body();
    // Node emits unhandledRejection after the microtasks of a turn: let a few turns pass.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of previous) process.on("unhandledRejection", l);
  }
  return [...reported];
}

function deploy(args: Partial<InferenceServiceArgs>): Promise<InferenceService> {
  return run(
    cloud,
    () =>
      new InferenceService("api", {
        instanceType: "t3.large",
        artifact: { path: tarball },
        region: "us-east-1",
        ...args,
      }),
  );
}

const ACCEPTED = `accepted: a secret in this account and region (arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/<name> or arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:<name>)`;

describe("key secrets and the deploying account", () => {
  afterEach(() => {
    setStackConfig({});
  });

  it("accepts secrets of the deploying account, asking the component's provider who that is", async () => {
    const apiKeys = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/flakeops/api-keys`;
    const adminKeys = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:flakeops/admin`;
    let svc: InferenceService | undefined;
    const reports = await runnerReports(async () => {
      svc = await deploy({ apiKeysSecretArn: apiKeys, adminKeysSecretArn: adminKeys });
    });
    expect(reports).toEqual([]);
    if (svc === undefined) throw new Error("not deployed");
    expect(await settled(svc.keySecretArns)).toEqual([apiKeys, adminKeys]);
    expect(await resolved(svc.keySecretArns)).toEqual([apiKeys, adminKeys]);
    const identity = cloud.calls.filter(
      (c) => c.token === "aws:index/getCallerIdentity:getCallerIdentity",
    );
    expect(identity).toHaveLength(1);
  });

  it("asks nothing when no secret is configured", async () => {
    const svc = await deploy({});
    expect(await settled(svc.keySecretArns)).toEqual([]);
    expect(cloud.calls.map((c) => c.token)).not.toContain(
      "aws:index/getCallerIdentity:getCallerIdentity",
    );
  });

  it.each([
    [
      { apiKeysSecretArn: `arn:aws:ssm:us-east-1:${OTHER}:parameter/flakeops/api-keys` },
      `api: apiKeysSecretArn is in account ${OTHER}, the stack deploys to account ${ACCOUNT}, and the instance role cannot read a secret of another account; ${ACCEPTED}`,
    ],
    [
      {
        apiKeysSecretArn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/flakeops/api-keys`,
        adminKeysSecretArn: `arn:aws:secretsmanager:us-east-1:${OTHER}:secret:flakeops/admin`,
      },
      `api: adminKeysSecretArn is in account ${OTHER}, the stack deploys to account ${ACCOUNT}, and the instance role cannot read a secret of another account; ${ACCEPTED}`,
    ],
  ] as [Partial<InferenceServiceArgs>, string][])(
    "refuses %j with one line naming the accepted form",
    async (args, message) => {
      let error: unknown;
      // Nothing here reads keySecretArns: the component's own registration fails the run.
      const reports = await runnerReports(async () => {
        const svc = await deploy(args);
        error = await settled(svc.keySecretArns).then(
          () => undefined,
          (e: unknown) => e,
        );
      });
      // Pulumi prefixes where it met the error (`error serializing property "outputs": `).
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message.endsWith(message)).toBe(true);
      expect((error as Error).message).not.toContain("\n");
      expect(reports.length).toBeGreaterThan(0);
      for (const r of reports) expect(r).toBe(error);
    },
  );

  it("names the arg and the accepted form (the pure rule)", () => {
    const secrets = keySecrets({
      apiKeysSecretArn: `arn:aws:ssm:eu-west-1:${OTHER}:parameter/k`,
    });
    expect(secrets).toEqual([
      { what: "apiKeysSecretArn", arn: `arn:aws:ssm:eu-west-1:${OTHER}:parameter/k` },
    ]);
    expect(foreignSecret("api", secrets, OTHER)).toBeUndefined();
    expect(foreignSecret("api", secrets, ACCOUNT)).toContain(
      `accepted: a secret in this account and region (arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/<name>`,
    );
  });
});

describe("stack config through the example programs", () => {
  type Program = () => Promise<Record<string, unknown>>;
  const programs: Record<string, Program> = {};
  beforeAll(async () => {
    for (const name of ["cpu-production", "batch-queue"]) {
      programs[name] = (await import(`../../../examples/${name}/index.ts`)).default as Program;
    }
  });

  it.each(["cpu-production", "batch-queue"])(
    "%s: a secret of this account deploys; another account's fails with one line",
    async (example) => {
      const own = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/flakeops/api-keys`;
      setStackConfig({ artifact: tarball, region: "us-east-1", apiKeysSecretArn: own });
      let ok: Record<string, unknown> = {};
      expect(
        await runnerReports(async () => {
          ok = await run(cloud, () => programs[example]!());
        }),
      ).toEqual([]);
      expect(await settled(ok.keySecretArns as pulumi.Output<string[]>)).toEqual([own]);

      const foreign = `arn:aws:ssm:us-east-1:${OTHER}:parameter/flakeops/api-keys`;
      setStackConfig({ artifact: tarball, region: "us-east-1", apiKeysSecretArn: foreign });
      let error: unknown;
      const reports = await runnerReports(async () => {
        const outputs = await run(cloud, () => programs[example]!());
        // The stack outputs carry it too, so `pulumi up` fails even where nothing else reads it.
        error = await settled(outputs.keySecretArns as pulumi.Output<string[]>).then(
          () => undefined,
          (e: unknown) => e,
        );
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(
        `apiKeysSecretArn is in account ${OTHER}, the stack deploys to account ${ACCOUNT}`,
      );
      expect((error as Error).message).not.toContain("\n");
      for (const r of reports) expect(r).toBe(error);
    },
  );
});
