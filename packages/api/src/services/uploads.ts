/**
 * Uploads in progress, bounded apart from detection (issue 10, D1): a client that trickles its
 * body holds an upload slot, never a detection slot, and only within these limits. A detection
 * slot (Admission) is taken once the whole image is in memory.
 */
export interface UploadLimits {
  /** Uploads being received at once, all clients together. */
  maxUploads: number;
  /** Bytes declared or received by the uploads in progress, all clients together. */
  maxUploadBytes: number;
  /** Uploads at once from one client (its API key, else its address). */
  maxUploadsPerClient: number;
  /** After the grace period an upload must average at least this many bytes per second. */
  minUploadBytesPerSecond: number;
  uploadGraceMs: number;
}

export type UploadRefusal = "uploads" | "bytes" | "client";

export interface UploadTicket {
  /** Count bytes as they arrive. */
  received(bytes: number): void;
  /** The body is in memory (or the request ended): give the slot back. Idempotent. */
  done(): void;
}

export class Uploads {
  private active = 0;
  private bytes = 0;
  private readonly perClient = new Map<string, number>();

  constructor(readonly limits: UploadLimits) {}

  get inProgress(): number {
    return this.active;
  }

  get bytesInProgress(): number {
    return this.bytes;
  }

  /**
   * A ticket, or why not. `declared` is the Content-Length (0 when chunked); `tooSlow` is
   * called once when the upload falls under the minimum rate after the grace period.
   */
  start(client: string, declared: number, tooSlow: () => void): UploadTicket | UploadRefusal {
    const { limits } = this;
    if (this.active >= limits.maxUploads) return "uploads";
    if (this.bytes + declared > limits.maxUploadBytes) return "bytes";
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= limits.maxUploadsPerClient) return "client";
    this.active++;
    this.perClient.set(client, mine + 1);
    // Reserve what the client declared; a chunked body is counted as it arrives.
    let counted = declared;
    let got = 0;
    this.bytes += counted;
    const started = performance.now();
    const watchdog = setInterval(() => {
      const elapsed = performance.now() - started;
      if (elapsed < limits.uploadGraceMs) return;
      if ((got * 1000) / elapsed < limits.minUploadBytesPerSecond) {
        clearInterval(watchdog);
        tooSlow();
      }
    }, 250);
    watchdog.unref();
    let finished = false;
    return {
      received: (n) => {
        got += n;
        if (got > counted) {
          this.bytes += got - counted;
          counted = got;
        }
      },
      done: () => {
        if (finished) return;
        finished = true;
        clearInterval(watchdog);
        this.active--;
        this.bytes -= counted;
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left > 0) this.perClient.set(client, left);
        else this.perClient.delete(client);
      },
    };
  }
}
