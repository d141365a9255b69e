import { priceDigest } from "@flakeops/sizing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fakeArtifact,
  installMocks,
  type MockCloud,
  PROJECT,
  run,
  STACK,
  setStackConfig,
} from "./harness.js";

/**
 * Each example program's mock run turned into the document `pulumi preview --json` prints for a
 * first deployment (Pulumi's PreviewDigest, sdk/go/common/display/json.go: every registered
 * resource a `create` step with its type and inputs), then priced by the sizing engine's
 * preview-cost: it must agree with the component's own estimate within 1 %.
 */

/** Each example with the stack config it needs (the GPU example refuses CPU-only models unless told). */
const EXAMPLES: Record<string, Record<string, string>> = {
  "cpu-production": {},
  gpu: { allowCpuOnlyModels: "true" },
  "batch-spot": {},
  "batch-queue": {},
};

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

/** The mocks' launch-template ids (harness.ts answers `lt-<name>`), so groups reference them as in a real state. */
function idOf(type: string, name: string): string | undefined {
  return type === "aws:ec2/launchTemplate:LaunchTemplate" ? `lt-${name}` : undefined;
}

function digestOf(mocks: MockCloud) {
  return {
    config: { "aws:region": "us-east-1" },
    steps: mocks.resources.map((r) => {
      const urn = `urn:pulumi:${STACK}::${PROJECT}::${r.type}::${r.name}`;
      const id = idOf(r.type, r.name);
      return {
        op: "create" as const,
        urn,
        newState: {
          urn,
          // Provider resources are custom; components (flakeops:infra:*, awsx:*) are not.
          custom: r.type.startsWith("aws:"),
          type: r.type,
          ...(id ? { id } : {}),
          inputs: r.inputs,
        },
      };
    }),
    changeSummary: { create: mocks.resources.length },
  };
}

describe("preview-cost on each example's preview", () => {
  for (const [name, config] of Object.entries(EXAMPLES)) {
    it(`${name}: equals the component's estimatedMonthlyCostUSD within 1 %`, async () => {
      const program = (await import(`../../../examples/${name}/index.ts`)).default as () => Promise<
        Record<string, unknown>
      >;
      setStackConfig({ artifact: tarball, ...config });
      const outputs = await run(cloud, () => program());
      const estimate = outputs.estimatedMonthlyCostUSD as number;
      expect(estimate).toBeGreaterThan(0);
      const priced = priceDigest(digestOf(cloud));
      expect(priced.unpriced).toEqual([]);
      expect(priced.monthlyDeltaUSD).toBe(priced.monthlyUSD); // all creates
      expect(Math.abs(priced.monthlyUSD - estimate) / estimate).toBeLessThan(0.01);
    }, 60_000);
  }
});
