/**
 * Where the process is in its life: /health answers 503 unless "ready", and detection routes
 * refuse new work while "draining". `abort` cancels in-flight detections when the shutdown
 * deadline passes.
 */
export type LifecycleState = "starting" | "ready" | "draining";

export class Lifecycle {
  state: LifecycleState;
  private readonly controller = new AbortController();

  constructor(state: LifecycleState = "starting") {
    this.state = state;
  }

  get ready(): boolean {
    return this.state === "ready";
  }

  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  drain(): void {
    this.state = "draining";
  }

  abortInFlight(reason = "server shutting down"): void {
    this.controller.abort(new Error(reason));
  }
}
