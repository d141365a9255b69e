import { fileURLToPath } from "node:url";
import { deployFromConfig } from "@flakeops/infra";

/**
 * Batch processing on spot capacity (the seed: "Consider Spot instances for batch
 * processing", at the "risk of interruption"): the sizing engine's "batch" use case, a
 * mixed-instances group that is all spot, spread over compute types of the same architecture
 * and rebalanced before interruptions. `pulumi config set spot false` runs it on-demand.
 */
export default async function main() {
  const { outputs } = deployFromConfig("batch", {
    defaults: { useCase: "batch" },
    baseDir: fileURLToPath(new URL("../..", import.meta.url)),
    args: { spot: { alternativeTypes: ["c6i.large", "c5.xlarge"] } },
  });
  return outputs;
}
