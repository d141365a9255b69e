import { describe, expect, it } from "vitest";
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
});
