import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUNDLE_ENTRY, DEFAULT_PORT, SERVICE_ENV, STOP_TIMEOUT_SECONDS } from "../src/contract.js";

// A Dockerfile cannot import the contract, so this test holds it to it.
const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");

describe("Dockerfile", () => {
  it("listens on and exposes the contract's port", () => {
    expect(dockerfile).toMatch(new RegExp(`^\\s*PORT=${DEFAULT_PORT}\\b`, "m"));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${DEFAULT_PORT}$`, "m"));
  });

  it("runs the bundle's entry and checks health with the bundled script", () => {
    expect(dockerfile).toContain(`CMD ["node", "${BUNDLE_ENTRY}"]`);
    expect(dockerfile).toContain('CMD ["node", "dist/healthcheck.js"]');
  });

  it("builds and runs on a maintained Node LTS (22 or 24), never 20", () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) expect([22, 24]).toContain(major);
  });

  it("sets the contract's service environment (malloc, V8 young generation)", () => {
    for (const [name, value] of Object.entries(SERVICE_ENV)) {
      expect(dockerfile).toMatch(new RegExp(`^\\s*${name}=${value}\\b`, "m"));
    }
  });

  it("documents the stop timeout the drain needs (docker stop -t)", () => {
    expect(dockerfile).toContain(`docker stop -t ${STOP_TIMEOUT_SECONDS}`);
  });
});
