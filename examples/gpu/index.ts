import { fileURLToPath } from "node:url";
import { deployFromConfig } from "@flakeops/infra";

/**
 * The detection API on the guide's GPU tier: the sizing engine's "gpu" use case (g4dn.xlarge,
 * one NVIDIA T4), booted from the Deep Learning Base AMI (Amazon Linux 2023, NVIDIA driver).
 * `pulumi config set imagesPerHour 50000` lets the sizing engine pick the GPU type and count.
 *
 * A GPU pays off only for ONNX models: set `models` (e.g. `M2F-Graphene`) and `modelsUri`
 * (their s3:// prefix). GMM models run on the CPU, so a GPU tier serving only them fails the
 * preview, naming the CPU type that does the same work and the dollars saved.
 */
export default async function main() {
  const { outputs } = deployFromConfig("gpu", {
    defaults: { useCase: "gpu" },
    baseDir: fileURLToPath(new URL("../..", import.meta.url)),
  });
  return outputs;
}
