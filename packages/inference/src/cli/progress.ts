import type { CliIo } from "@flakeops/sizing/cli-kit";
import cliProgress from "cli-progress";

export interface Progress {
  /** Whether a bar is drawn (then other terminal output should wait for stop()). */
  readonly active: boolean;
  tick(label: string): void;
  stop(): void;
}

const NONE: Progress = { active: false, tick() {}, stop() {} };

/** A progress bar on stderr, only for many items and only when stderr is a terminal. */
export function progress(io: CliIo, total: number, what: string): Progress {
  if (total < 2 || !io.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format: `${what} [{bar}] {value}/{total} {label}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  return {
    active: true,
    tick(label) {
      bar.increment(1, { label });
    },
    stop() {
      bar.stop();
    },
  };
}
