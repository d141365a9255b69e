import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchWorkers,
  ConfigError,
  INFERENCE_SERVICE_TYPE,
  InferenceService,
} from "../src/index.js";
import { createCompute } from "../src/tier/compute.js";
import { checkTierArgs } from "../src/tier/plan.js";
import {
  DEFAULT_REFRESH_TIMEOUT_MINUTES,
  REFRESH_GATE_EXIT,
  REFRESH_WAIT_SCRIPT,
} from "../src/tier/refresh-gate.js";
import {
  fakeArtifact,
  installMocks,
  type MockCloud,
  resolved,
  run,
  setStackConfig,
} from "./harness.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

const COMMAND = "command:local:Command";
const GROUP = "aws:autoscaling/group:Group";

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

afterAll(() => {
  setStackConfig({});
  cloud.launchTemplateVersion = 1;
});

/** Deploy an InferenceService and keep the options each resource was registered with. */
async function deployWithOpts(): Promise<{
  svc: InferenceService;
  opts: Map<string, pulumi.CustomResourceOptions>;
}> {
  const opts = new Map<string, pulumi.CustomResourceOptions>();
  const svc = await run(
    cloud,
    () =>
      new InferenceService(
        "api",
        { instanceType: "t3.large", artifact: { path: tarball } },
        {
          transformations: [
            (a) => {
              opts.set(`${a.type}::${a.name}`, a.opts as pulumi.CustomResourceOptions);
              return undefined;
            },
          ],
        },
      ),
  );
  return { svc, opts };
}

describe("refresh gate (under Pulumi mocks)", () => {
  it("runs after the group, parented to the component, whenever the launch template changes", async () => {
    setStackConfig({});
    const { svc, opts } = await deployWithOpts();
    const gate = cloud.one(COMMAND);
    expect(gate.name).toBe("api-refresh-gate");
    expect(gate.inputs.create).toBe(REFRESH_WAIT_SCRIPT);
    expect(gate.inputs.interpreter).toEqual(["/bin/bash", "-c"]);
    // The group's physical name, the provider's region and the default timeout reach the CLI.
    expect(gate.inputs.environment).toEqual({
      GROUP_NAME: "api-asg-1a2b3c4",
      AWS_REGION: "us-east-1",
      TIMEOUT_SECONDS: String(DEFAULT_REFRESH_TIMEOUT_MINUTES * 60),
    });
    expect(gate.inputs.triggers).toEqual(["lt-api-lt", "1"]);

    const gateOpts = opts.get(`${COMMAND}::api-refresh-gate`)!;
    expect(gateOpts.parent).toBe(svc);
    const dependsOn = [gateOpts.dependsOn].flat() as pulumi.Resource[];
    expect(dependsOn).toHaveLength(1);
    expect(aws.autoscaling.Group.isInstance(dependsOn[0])).toBe(true);
    expect(await resolved((dependsOn[0] as aws.autoscaling.Group).name)).toBe("api-asg-1a2b3c4");
    expect(cloud.one(INFERENCE_SERVICE_TYPE).name).toBe("api");
  });

  it("changes its triggers (so it runs again) with a new launch template version", async () => {
    cloud.launchTemplateVersion = 2;
    try {
      await deployWithOpts();
      expect(cloud.one(COMMAND).inputs.triggers).toEqual(["lt-api-lt", "2"]);
    } finally {
      cloud.launchTemplateVersion = 1;
    }
  });

  it("passes the stack's aws:profile to the CLI", async () => {
    setStackConfig({ "aws:profile": "deployer" });
    try {
      await deployWithOpts();
      expect(cloud.one(COMMAND).inputs.environment.AWS_PROFILE).toBe("deployer");
    } finally {
      setStackConfig({});
    }
  });

  it("gates the batch workers' group too", async () => {
    await run(
      cloud,
      () => new BatchWorkers("batch", { instanceType: "c5.xlarge", artifact: { path: tarball } }),
    );
    const gate = cloud.one(COMMAND);
    expect(gate.name).toBe("batch-refresh-gate");
    expect(cloud.one(GROUP).name).toBe("batch-asg");
    expect(gate.inputs.environment.GROUP_NAME).toBe("batch-asg-1a2b3c4");
  });

  /** createCompute alone, under a bare component, with the gate's options. */
  function compute(refreshGate: Parameters<typeof createCompute>[1]["refreshGate"]) {
    return run(cloud, () => {
      const parent = new pulumi.ComponentResource("test:index:Tier", "tier");
      const plan = checkTierArgs("tier", { instanceType: "t3.large", artifact: { path: tarball } });
      return createCompute(
        "tier",
        {
          plan,
          description: "test",
          userData: pulumi.output("#!/bin/bash\n"),
          instanceProfileArn: "arn:aws:iam::000000000000:instance-profile/tier",
          securityGroupId: "sg-1",
          subnetIds: ["subnet-a"],
          metadataHopLimit: 1,
          region: "eu-west-1",
          refreshGate,
        },
        parent,
      );
    });
  }

  it("takes a timeout and a region, and can be turned off", async () => {
    await compute({ timeoutMinutes: 90 });
    expect(cloud.one(COMMAND).inputs.environment).toMatchObject({
      AWS_REGION: "eu-west-1",
      TIMEOUT_SECONDS: "5400",
    });
    const off = await compute(false);
    expect(off.refreshGate).toBeUndefined();
    expect(cloud.ofType(COMMAND)).toEqual([]);
  });

  it("refuses a timeout outside 1-1440 minutes with one line", async () => {
    for (const timeoutMinutes of [0, 1.5, 1441]) {
      await expect(compute({ timeoutMinutes })).rejects.toThrow(ConfigError);
      await expect(compute({ timeoutMinutes })).rejects.toThrow(
        `tier: refresh gate timeoutMinutes must be a whole number 1-1440; got ${timeoutMinutes}`,
      );
    }
  });
});

// A stand-in `aws`: answers describe-instance-refreshes with poll.<n>.txt (the last one again
// when it runs out; "fail" makes it exit 255 as the CLI does on an API error), logging each call.
const AWS_STUB = `#!/bin/bash
echo "$*" >> "$STUB_DIR/aws.log"
n=$(( $(cat "$STUB_DIR/polls" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$STUB_DIR/polls"
last=$(find "$STUB_DIR" -maxdepth 1 -name 'poll.*.txt' | wc -l)
answer=$(cat "$STUB_DIR/poll.$(( n < last ? n : last )).txt")
if [ "$answer" = fail ]; then echo "An error occurred (ExpiredToken)" >&2; exit 255; fi
printf '%s\\n' "$answer"
`;

interface GateRun {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
}

function runGate(polls: string[], env: Record<string, string> = {}): GateRun {
  const dir = mkdtempSync(join(tmpdir(), "flakeops-gate-"));
  try {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "aws"), AWS_STUB);
    chmodSync(join(bin, "aws"), 0o755);
    polls.forEach((p, i) => {
      writeFileSync(join(dir, `poll.${i + 1}.txt`), p);
    });
    const result = spawnSync("bash", ["-c", REFRESH_WAIT_SCRIPT], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        STUB_DIR: dir,
        GROUP_NAME: "api-asg-1a2b3c4",
        AWS_REGION: "eu-west-1",
        TIMEOUT_SECONDS: "600",
        POLL_SECONDS: "0",
        ...env,
      },
      encoding: "utf8",
      // Every case ends on its own after a few polls; this only bounds a broken script.
      timeout: 20_000,
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(join(dir, "aws.log"), "utf8").trim().split("\n");
    } catch {
      // no call made
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (status: string, reason = "None", percent = "50") =>
  ["ir-0a1b2c", status, percent, reason].join("\t");

describe("refresh gate script (bash, stand-in aws)", () => {
  it.skipIf(!SHELLCHECK)("passes shellcheck", () => {
    expect(shellcheck(REFRESH_WAIT_SCRIPT)).toBe("");
  });
  if (!SHELLCHECK)
    console.warn("shellcheck is not installed: the refresh gate script is not linted");

  it("exits 0 once the refresh is Successful, after polling through InProgress", () => {
    const r = runGate([row("InProgress", "None", "0"), row("InProgress"), row("Successful")]);
    expect(r.status).toBe(REFRESH_GATE_EXIT.ok);
    expect(r.calls).toHaveLength(3);
    expect(r.stdout).toContain(
      "instance refresh ir-0a1b2c of api-asg-1a2b3c4: InProgress, 50% complete",
    );
    expect(r.stdout).toContain("instance refresh ir-0a1b2c of api-asg-1a2b3c4: Successful");
    // The newest refresh of this group, in the stack's region.
    expect(r.calls[0]).toBe(
      "autoscaling describe-instance-refreshes --region eu-west-1 --auto-scaling-group-name api-asg-1a2b3c4 --max-records 1 --query InstanceRefreshes[0].[InstanceRefreshId,Status,PercentageComplete,StatusReason] --output text",
    );
  });

  it("fails loudly with AWS's reason when the refresh fails", () => {
    const reason = "Instance refresh failed: 1 instance(s) failed ELB health checks\tafter warm-up";
    const r = runGate([row("Pending"), row("InProgress"), row("Failed", reason)]);
    expect(r.status).toBe(REFRESH_GATE_EXIT.failed);
    expect(r.stderr).toContain(
      `instance refresh ir-0a1b2c of api-asg-1a2b3c4 ended Failed: ${reason}`,
    );
  });

  it("treats every bad end of the Status enum as a failure", () => {
    for (const status of ["Cancelled", "RollbackSuccessful", "RollbackFailed"]) {
      const r = runGate([row("Cancelling"), row(status)]);
      expect([status, r.status]).toEqual([status, REFRESH_GATE_EXIT.failed]);
      expect(r.stderr).toContain(`ended ${status}: no reason given`);
    }
  });

  it("waits through Baking and rollback states", () => {
    const r = runGate([row("Baking"), row("RollbackInProgress"), row("Successful")]);
    expect(r.status).toBe(REFRESH_GATE_EXIT.ok);
    expect(r.calls).toHaveLength(3);
  });

  it("gives up at the deadline with a clear line", () => {
    const r = runGate([row("InProgress")], { TIMEOUT_SECONDS: "0" });
    expect(r.status).toBe(REFRESH_GATE_EXIT.timedOut);
    expect(r.stderr).toContain(
      "refresh gate: timed out after 0s waiting for the instance refresh of api-asg-1a2b3c4; it goes on in AWS",
    );
  });

  it("passes a new group, which has no refresh, saying why", () => {
    const r = runGate(["None"]);
    expect(r.status).toBe(REFRESH_GATE_EXIT.ok);
    expect(r.stdout).toContain("has no instance refresh (a new group)");
  });

  it("rides out one AWS error, stops after three in a row", () => {
    expect(runGate(["fail", row("Successful")]).status).toBe(REFRESH_GATE_EXIT.ok);
    const r = runGate(["fail"]);
    expect(r.status).toBe(REFRESH_GATE_EXIT.awsError);
    expect(r.calls).toHaveLength(3);
    expect(r.stderr).toContain("ExpiredToken");
    expect(r.stderr).toContain("the AWS CLI failed 3 times in a row");
  });

  it("refuses malformed settings without calling AWS", () => {
    const bad: Record<string, string>[] = [
      { GROUP_NAME: "" },
      { TIMEOUT_SECONDS: "30m" },
      { POLL_SECONDS: "-1" },
    ];
    for (const env of bad) {
      const r = runGate([row("Successful")], env);
      expect(r.status).toBe(REFRESH_GATE_EXIT.badSettings);
      expect(r.stderr).toContain("refresh gate: need GROUP_NAME");
      expect(r.calls).toEqual([]);
    }
  });
});
