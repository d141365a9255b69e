import { describe, expect, it } from "vitest";
import { retryHeaders } from "../src/http/limits.js";
import { Admission } from "../src/services/admission.js";

describe("Admission", () => {
  it("admits workers + maxQueue, then refuses until a slot is released", () => {
    const a = new Admission(2, 1);
    const r = [a.tryAcquire(), a.tryAcquire(), a.tryAcquire()];
    expect(r.every(Boolean)).toBe(true);
    expect(a.tryAcquire()).toBeUndefined();
    r[0]!();
    r[0]!(); // idempotent: one release frees one slot
    expect(a.inFlight).toBe(2);
    expect(a.tryAcquire()).toBeDefined();
    expect(a.tryAcquire()).toBeUndefined();
  });

  it("estimates the backlog from in-flight work and the measured service time", () => {
    const a = new Admission(2, 10, 100);
    expect(a.backlogMs()).toBe(50); // one image's worth, shared by 2 workers
    for (let i = 0; i < 4; i++) a.tryAcquire();
    expect(a.backlogMs()).toBe(250); // (4 + 1) x 100 ms / 2 workers
    for (let i = 0; i < 50; i++) a.observe(300);
    expect(a.backlogMs()).toBeGreaterThan(700);
    expect(a.backlogMs()).toBeLessThanOrEqual(750);
  });
});

describe("retryHeaders", () => {
  it("gives whole seconds rounded up, and the exact milliseconds", () => {
    expect(retryHeaders(1)).toEqual({ "Retry-After": "1", "Retry-After-Ms": "1" });
    expect(retryHeaders(1000)).toEqual({ "Retry-After": "1", "Retry-After-Ms": "1000" });
    expect(retryHeaders(1001.2)).toEqual({ "Retry-After": "2", "Retry-After-Ms": "1002" });
  });
});
