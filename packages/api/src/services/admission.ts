/**
 * Admission control in front of the detector pool: at most `workers + maxQueue` images are
 * admitted at once, and the decision is made from the headers alone, before a byte of the body
 * is read, so an overloaded host spends nothing on work it will refuse.
 */
export class Admission {
  private active = 0;
  /** Moving average of one image's service time (decode + detect), in ms. */
  private serviceMs: number;

  constructor(
    readonly workers: number,
    readonly maxQueue: number,
    initialServiceMs = 250,
  ) {
    this.serviceMs = initialServiceMs;
  }

  get capacity(): number {
    return this.workers + this.maxQueue;
  }

  get inFlight(): number {
    return this.active;
  }

  /** A release function, or undefined when full. Release is idempotent. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.capacity) return undefined;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  observe(serviceMs: number): void {
    if (Number.isFinite(serviceMs) && serviceMs >= 0) {
      this.serviceMs = 0.8 * this.serviceMs + 0.2 * serviceMs;
    }
  }

  /**
   * Milliseconds of work already admitted ahead of a new request: the images in flight times
   * the average service time, shared by the workers. At least one image's worth.
   */
  backlogMs(): number {
    return Math.max(1, Math.ceil(((this.active + 1) * this.serviceMs) / this.workers));
  }
}
