import { fileURLToPath } from "node:url";
import { deployFromConfig } from "@flakeops/infra";

/**
 * The detection API on the guide's GPU tier: the sizing engine's "gpu" use case (g4dn.xlarge,
 * one NVIDIA T4), booted from the Deep Learning Base AMI (Amazon Linux 2023, NVIDIA driver).
 * `pulumi config set imagesPerHour 50000` lets the sizing engine pick the GPU type and count.
 */
export default async function main() {
  const { outputs } = deployFromConfig("gpu", {
    defaults: { useCase: "gpu" },
    baseDir: fileURLToPath(new URL("../..", import.meta.url)),
  });
  return outputs;
}
