import { describe, expect, it } from "vitest";
import { isInferenceError } from "../src/errors.js";
import {
  chooseExecutionProviders,
  EXECUTION_PROVIDERS,
  onnxRuntime,
  parseExecutionProviders,
  usableBackends,
} from "../src/models/onnx/session.js";
import { DetectorPool } from "../src/pool/pool.js";

const badOption = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isInferenceError(e) && e.code === "BAD_OPTION") return e.message;
    throw e;
  }
  throw new Error("expected BAD_OPTION");
};

describe("execution providers", () => {
  it.each([
    // [available here, configured, chosen]
    [["cpu", "webgpu"], undefined, ["cpu"]],
    [["cpu", "webgpu", "cuda"], undefined, ["cuda", "cpu"]],
    [["cpu", "cuda"], "cpu", ["cpu"]],
    [["cpu", "cuda"], "cuda,cpu", ["cuda", "cpu"]],
    [["cpu", "cuda", "tensorrt"], " TensorRT , cuda,cpu,cuda", ["tensorrt", "cuda", "cpu"]],
    [["cpu"], "", ["cpu"]],
  ] as const)("available %j, configured %j -> %j", (usable, raw, chosen) => {
    expect(chooseExecutionProviders(parseExecutionProviders(raw), usable)).toEqual(chosen);
  });

  it("an unknown name is BAD_OPTION listing the accepted ones", () => {
    const message = badOption(() => parseExecutionProviders("cuda,rocm"));
    expect(message).toMatch(
      /unknown execution provider "rocm"; accepted: cuda, tensorrt, webgpu, cpu/,
    );
    expect(EXECUTION_PROVIDERS).toEqual(["cuda", "tensorrt", "webgpu", "cpu"]);
    // the pool refuses it at construction, before any worker starts
    expect(badOption(() => new DetectorPool({ workers: 1, executionProviders: "gpu" }))).toMatch(
      /accepted: cuda, tensorrt, webgpu, cpu/,
    );
  });

  it("a configured provider this host cannot use is BAD_OPTION naming what it can use", () => {
    expect(badOption(() => chooseExecutionProviders(["cuda", "cpu"], ["cpu", "webgpu"]))).toBe(
      "execution provider cuda is not available on this host; onnxruntime-node can use: cpu, webgpu",
    );
  });

  it("onnxruntime-node's own report: CPU is always usable; CUDA only with its provider library", async () => {
    const usable = usableBackends(await onnxRuntime());
    expect(usable).toContain("cpu");
    const chosen = chooseExecutionProviders(undefined, usable);
    expect(chosen.at(-1)).toBe("cpu");
    expect(chosen[0]).toBe(usable.includes("cuda") ? "cuda" : "cpu");
  });

  it("the pool's workers report the providers their sessions use", async () => {
    const pool = new DetectorPool({ workers: 1, executionProviders: "cpu" });
    try {
      expect(await pool.executionProviders()).toEqual(["cpu"]);
    } finally {
      await pool.close();
    }
  });
});
