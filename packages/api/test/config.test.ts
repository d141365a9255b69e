import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConfigError, DEFAULT_IMDS_URL, loadConfig } from "../src/config.js";
import { DRAIN_SECONDS } from "../src/contract.js";

describe("loadConfig", () => {
  it("defaults to port 5000, auth off, IMDS on, CORS closed", () => {
    const c = loadConfig({});
    expect(c.port).toBe(5000);
    expect(c.apiKeys.size).toBe(0);
    expect(c.imdsUrl).toBe(DEFAULT_IMDS_URL);
    expect(c.corsOrigins).toEqual([]);
    expect(c.maxQueue).toBe(c.workers * 4);
  });

  it("reads PORT, workers, queue, limits and CORS origins", () => {
    const c = loadConfig({
      PORT: "8080",
      FLAKEOPS_WORKERS: "3",
      FLAKEOPS_MAX_QUEUE: "5",
      FLAKEOPS_MAX_BODY_BYTES: "2048",
      FLAKEOPS_CORS_ORIGINS: "https://a.example, https://b.example",
      FLAKEOPS_IMDS_URL: "off",
    });
    expect(c).toMatchObject({
      port: 8080,
      workers: 3,
      maxQueue: 5,
      maxBodyBytes: 2048,
      imdsUrl: undefined,
    });
    expect(c.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("rejects malformed numbers with the variable's name", () => {
    expect(() => loadConfig({ PORT: "50x" })).toThrow(/PORT=50x/);
    expect(() => loadConfig({ FLAKEOPS_WORKERS: "0" })).toThrow(ConfigError);
  });

  it("parses API keys from the env and from a JSON file", () => {
    const dir = mkdtempSync(join(tmpdir(), "flakeops-keys-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "keys.json");
    writeFileSync(file, JSON.stringify({ "file-key-123456": "lab_b" }));
    const c = loadConfig({
      FLAKEOPS_API_KEYS: "env-key-123456:lab_a, other-key-1234:lab-c",
      FLAKEOPS_API_KEYS_FILE: file,
    });
    expect(Object.fromEntries(c.apiKeys)).toEqual({
      "env-key-123456": "lab_a",
      "other-key-1234": "lab-c",
      "file-key-123456": "lab_b",
    });
  });

  it("refuses short keys, bad customer ids and unreadable key files", () => {
    expect(() => loadConfig({ FLAKEOPS_API_KEYS: "short:lab" })).toThrow(/at least 8/);
    expect(() => loadConfig({ FLAKEOPS_API_KEYS: "long-enough-key:../etc" })).toThrow(
      /customer_id/,
    );
    expect(() => loadConfig({ FLAKEOPS_API_KEYS_FILE: "/nonexistent/keys.json" })).toThrow(
      /cannot read/,
    );
  });

  it("admin keys, the upload opt-in, drain and upload limits, execution providers", () => {
    const c = loadConfig({
      FLAKEOPS_ADMIN_KEYS: "admin-key-0001:ops",
      FLAKEOPS_ALLOW_MODEL_UPLOADS: "true",
      FLAKEOPS_DRAIN_MS: "1500",
      FLAKEOPS_MAX_UPLOADS_PER_CLIENT: "3",
      FLAKEOPS_EXECUTION_PROVIDERS: "cuda, cpu",
    });
    expect(Object.fromEntries(c.adminKeys)).toEqual({ "admin-key-0001": "ops" });
    expect(c.apiKeys.size).toBe(0);
    expect([c.allowModelUploads, c.drainMs, c.maxUploadsPerClient]).toEqual([true, 1500, 3]);
    expect(c.executionProviders).toEqual(["cuda", "cpu"]);
    // defaults: read-only models, the contract's drain, providers chosen at run time
    const d = loadConfig({});
    expect([d.allowModelUploads, d.drainMs, d.executionProviders]).toEqual([
      false,
      DRAIN_SECONDS * 1000,
      undefined,
    ]);
  });

  it("refuses a bad opt-in, short admin keys and unknown execution providers, listing the accepted", () => {
    expect(() => loadConfig({ FLAKEOPS_ALLOW_MODEL_UPLOADS: "yes" })).toThrow(
      /FLAKEOPS_ALLOW_MODEL_UPLOADS=yes: expected true or false/,
    );
    expect(() => loadConfig({ FLAKEOPS_ADMIN_KEYS: "short:ops" })).toThrow(
      /FLAKEOPS_ADMIN_KEYS: API keys must have at least 8 characters/,
    );
    let error: unknown;
    try {
      loadConfig({ FLAKEOPS_EXECUTION_PROVIDERS: "cuda,rocm" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'FLAKEOPS_EXECUTION_PROVIDERS: unknown execution provider "rocm"; accepted: cuda, tensorrt, webgpu, cpu (comma-separated, in order of preference)',
    );
  });
});
