import { readImageInfo } from "@flakeops/inference";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningServer } from "../src/server.js";
import { calibrateForm, synthCocoSet } from "./calibrate-fixtures.js";
import { postForm, startTestServer } from "./helpers.js";

/**
 * POST /calibrate decodes nothing in the server's main thread: every image is read and summed
 * in a pool worker. This thread's sharp is wrapped to count its calls (the workers load their
 * own, unwrapped: they do not go through vitest's module graph).
 */
const mainThreadSharp = vi.hoisted(() => ({ calls: 0 }));
vi.mock("sharp", async (importOriginal) => {
  const real = (await importOriginal<typeof import("sharp")>()).default;
  const counted = new Proxy(real, {
    apply(target, self, args) {
      mainThreadSharp.calls++;
      return Reflect.apply(target, self, args);
    },
  });
  return { default: counted };
});

describe("POST /calibrate off the main thread", () => {
  let srv: RunningServer;
  let set: Awaited<ReturnType<typeof synthCocoSet>>;
  beforeAll(async () => {
    srv = await startTestServer({ maxBodyBytes: 256 * 1024 });
    set = await synthCocoSet(2);
  });
  afterAll(() => srv.shutdown());

  it("this thread's sharp is the counted one (the check below can fail)", async () => {
    const before = mainThreadSharp.calls;
    await readImageInfo(set.images[0]!.bytes);
    expect(mainThreadSharp.calls).toBe(before + 1);
  });

  it("fits without calling sharp in the main thread", async () => {
    const before = mainThreadSharp.calls;
    const res = await postForm(
      `${srv.url}/calibrate`,
      calibrateForm(JSON.stringify(set.coco), set.images),
    );
    expect(res.status).toBe(200);
    expect(res.body.dictionary).toEqual(JSON.parse(JSON.stringify(set.expected.dictionary)));
    expect(mainThreadSharp.calls).toBe(before);
  });
});
