import { fileURLToPath } from "node:url";
import { deployBatchWorkersFromConfig } from "@flakeops/infra";

/**
 * Batch detection without a load balancer: copy images under `s3://<bucketName>/input/`, find
 * each result at `results/<name>.json`. The sizing engine's "batch" use case on spot; an
 * interrupted image returns to the queue and is retried (after 5 tries, the dead-letter queue).
 */
export default async function main() {
  const { outputs } = deployBatchWorkersFromConfig("batchq", {
    defaults: { useCase: "batch" },
    baseDir: fileURLToPath(new URL("../..", import.meta.url)),
    args: { spot: { alternativeTypes: ["c6i.large", "c5.xlarge"] } },
  });
  return outputs;
}
