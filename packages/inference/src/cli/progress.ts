import type { CliIo } from "@flakeops/sizing/cli-kit";
import cliProgress from "cli-progress";

export interface Progress {
  /** Whether a bar is drawn (then other terminal output should wait for stop()). */
  readonly active: boolean;
  tick(label: string): void;
  stop(): void;
}

const NONE: Progress = { active: false, tick() {}, stop() {} };

/**
 * A progress bar on stderr with items/s and the ETA, only for many items and only when stderr
 * is a terminal (piped or redirected runs stay quiet).
 */
export function progress(io: CliIo, total: number, what: string): Progress {
  if (total < 2 || !io.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format: `${what} [{bar}] {value}/{total} {rate}/s ETA {eta_formatted} {label}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let done = 0;
  bar.start(total, 0, { label: "", rate: "0.0" });
  return {
    active: true,
    tick(label) {
      done++;
      const rate = (done * 1000) / Math.max(1, performance.now() - started);
      bar.increment(1, { label, rate: rate.toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}
