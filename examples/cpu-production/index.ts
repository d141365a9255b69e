import { fileURLToPath } from "node:url";
import { deployFromConfig } from "@flakeops/infra";

/**
 * The seed's current configuration: the detection API on t3.large ("Updated to: t3.large"),
 * with the guide's four alarms, step scaling, a dashboard and a budget.
 *
 * `pulumi config set instanceType <type>` (or `imagesPerHour`, or `useCase`) picks another
 * tier; changing the type rolls the group without downtime (see README.md).
 */
export default async function main() {
  const { outputs } = deployFromConfig("api", {
    defaults: { instanceType: "t3.large" },
    // Relative `artifact` paths (default .deploy/api.tgz) are from the repository root.
    baseDir: fileURLToPath(new URL("../..", import.meta.url)),
  });
  return outputs;
}
