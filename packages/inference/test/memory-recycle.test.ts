import { describe, expect, it, vi } from "vitest";
import { DetectorPool } from "../src/pool/pool.js";
import { bgrImage, png } from "./fixtures.js";

describe("memory: workers after a large image", () => {
  it("are replaced by fresh ones once the pool is idle, and the pool keeps working", async () => {
    const pool = new DetectorPool({ workers: 1, maxQueue: 1 });
    try {
      const small = await png(bgrImage(200, 150, [150, 100, 110], []), 200, 150);
      await pool.run(small);
      const before = (await pool.probe()).threadId;
      // 2600 x 2400 = 6.24 MP: over the recycling threshold (6 MP)
      const large = await png(bgrImage(2600, 2400, [150, 100, 110], []), 2600, 2400);
      await pool.run(large);
      let after = before;
      // bounded: 200 polls; the swap happens after a short idle period
      for (let i = 0; i < 200 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = (await pool.probe()).threadId;
      }
      expect(after).not.toBe(before);
      expect((await pool.run(small)).width).toBe(200);
    } finally {
      await pool.close();
    }
  });

  it("work in the old workers when they are swapped out finishes (a probe from /info)", async () => {
    // Fake only the pool's timers: the swap is then due exactly when the test says, with a
    // probe (which bypasses run()'s in-flight count) still in the old worker.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pool = new DetectorPool({ workers: 1, maxQueue: 1 });
    try {
      const large = await png(bgrImage(2600, 2400, [150, 100, 110], []), 2600, 2400);
      await pool.run(large);
      const before = pool.probe();
      vi.advanceTimersByTime(60_000);
      vi.useRealTimers();
      await expect(before).resolves.toMatchObject({ providers: expect.any(Array) });
      const small = await png(bgrImage(200, 150, [150, 100, 110], []), 200, 150);
      expect((await pool.run(small)).width).toBe(200);
    } finally {
      vi.useRealTimers();
      await pool.close();
    }
  });
});
