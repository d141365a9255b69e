#!/usr/bin/env node
import { startBanner } from "./banner.js";
import { ConfigError, loadConfig } from "./config.js";
import { startServer } from "./server.js";

/** `flakeops-api` / `pnpm start`: config from the environment, DEFAULT_PORT (contract.ts) unless PORT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`flakeops-api: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const running = await startServer(config);
  process.stderr.write(startBanner(config, running.url, running.bound));
  const onSignal = (signal: NodeJS.Signals) => {
    running
      .shutdown(signal)
      .then(() => process.exit(0))
      .catch((err) => {
        running.logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  // A bug in one request must not take the service down: log it (with its stack) and go on.
  process.on("unhandledRejection", (err) => running.logger.error({ err }, "unhandled rejection"));
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

main().catch((err) => {
  process.stderr.write(
    `flakeops-api: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
