/**
 * What a GPU host adds for the bundle (node) artifact, so onnxruntime-node runs on the GPU.
 *
 * - onnxruntime-node ships its CUDA execution provider outside the npm package: its install
 *   script (script/install.js, `--onnxruntime-node-install=cuda12`, manifest in
 *   script/install-metadata.js) fetches libonnxruntime_providers_{shared,cuda}.so for linux/x64
 *   from the NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux of the same version. The bundle
 *   skips it (pnpm-workspace.yaml ignoredBuiltDependencies), so the host runs it once, at boot.
 * - That provider is built against CUDA 12.x and cuDNN 9.x ("CUDA Execution Provider",
 *   onnxruntime.ai: any CUDA 12 minor works; cuDNN 8 and 9 are not interchangeable). The Deep
 *   Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) ships several CUDA stacks under
 *   /usr/local/cuda-<version> and its default (/usr/local/cuda) may be 13.x, so the newest 12.x
 *   stack is picked explicitly and put on the unit's LD_LIBRARY_PATH.
 * - `flakeops-gpu-check` tells a user, in one command on the host, whether all of that worked.
 */
import { HEALTH_PATH } from "@flakeops/api/contract";
import {
  API_KEYS_ENV_PATH,
  APP_DIR,
  BOOTSTRAP_LOG,
  CUDA_ENV_PATH,
  GPU_CHECK_PATH,
  NODE_BIN,
} from "./layout.js";

/** The CUDA and cuDNN majors onnxruntime-node's CUDA provider is built against. */
export const ORT_CUDA_MAJOR = 12;
export const ORT_CUDNN_MAJOR = 9;

/** The API's execution providers on a GPU host: CUDA first, the CPU for what CUDA cannot run. */
export const GPU_EXECUTION_PROVIDERS = "cuda,cpu";

/** The libraries the CUDA provider loads, each of which must be found in the chosen stack. */
const CUDA_LIBS = [
  `libcudart.so.${ORT_CUDA_MAJOR}`,
  `libcublasLt.so.${ORT_CUDA_MAJOR}`,
  `libcublas.so.${ORT_CUDA_MAJOR}`,
  `libcufft.so.11`,
  `libcudnn.so.${ORT_CUDNN_MAJOR}`,
];

/** Bash for the user data, after the bundle is unpacked: CUDA provider + library path. */
export function gpuSetupUserData(): string {
  return [
    "",
    `# GPU: onnxruntime-node's CUDA provider (CUDA ${ORT_CUDA_MAJOR} + cuDNN ${ORT_CUDNN_MAJOR}) and the libraries it loads.`,
    `ort_dir=$(find ${APP_DIR}/node_modules/.pnpm -maxdepth 3 -type d -path '*/node_modules/onnxruntime-node' -print -quit)`,
    `(cd "$ort_dir" && ${NODE_BIN} script/install.js --onnxruntime-node-install=cuda${ORT_CUDA_MAJOR}) || echo "WARNING: the CUDA provider download failed; the API will run on the CPU"`,
    `cuda_dir=$(find /usr/local -maxdepth 1 -type d -name 'cuda-${ORT_CUDA_MAJOR}.*' | sort -V | tail -n 1)`,
    "lib_dirs=()",
    `for lib in ${CUDA_LIBS.join(" ")}; do`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash expansion (no stack: search /usr/lib64 only)
    '  found=$(find ${cuda_dir:+"$cuda_dir"} /usr/lib64 /usr/local/lib -name "$lib*" -print -quit 2>/dev/null)',
    '  if [ -z "$found" ]; then echo "WARNING: $lib not found; the API will run on the CPU"; continue; fi',
    '  lib_dirs+=("$(dirname "$found")")',
    "done",
    `mkdir -p "$(dirname ${CUDA_ENV_PATH})"`,
    `printf 'LD_LIBRARY_PATH=%s\\n' "$(printf '%s\\n' "\${lib_dirs[@]}" | sort -u | paste -sd:)" > ${CUDA_ENV_PATH}`,
    "",
  ].join("\n");
}

export interface GpuCheckPaths {
  readonly port: number;
  readonly appDir?: string;
  readonly cudaEnvPath?: string;
  readonly keysEnvPath?: string;
}

/**
 * `flakeops-gpu-check` (run as root on the host): the GPU, the CUDA libraries found at boot,
 * the provider library, and the execution provider the API reports on /info (any key named
 * execution_provider(s)). Exit 0 only when the API runs on CUDA.
 */
export function gpuCheckScript(paths: GpuCheckPaths): string {
  const appDir = paths.appDir ?? APP_DIR;
  const cudaEnv = paths.cudaEnvPath ?? CUDA_ENV_PATH;
  const keysEnv = paths.keysEnvPath ?? API_KEYS_ENV_PATH;
  return `#!/bin/bash
# flakeops GPU check (rendered by @flakeops/infra): does the API on this host run on the GPU?
set -uo pipefail
api="http://127.0.0.1:${paths.port}"
ok=1
fail() { echo "FAIL: $*"; ok=0; }

if gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1); then
  echo "GPU: $gpu"
else
  fail "nvidia-smi sees no GPU ($gpu)"
fi
if grep -q '^LD_LIBRARY_PATH=.' ${cudaEnv} 2>/dev/null; then
  echo "CUDA ${ORT_CUDA_MAJOR} / cuDNN ${ORT_CUDNN_MAJOR} libraries: $(cut -d= -f2- ${cudaEnv})"
else
  fail "no CUDA ${ORT_CUDA_MAJOR} + cuDNN ${ORT_CUDNN_MAJOR} libraries were found at boot (see ${BOOTSTRAP_LOG})"
fi
provider_lib=$(find ${appDir}/node_modules/.pnpm -path '*/onnxruntime-node/bin/*/linux/x64/libonnxruntime_providers_cuda.so' -print -quit 2>/dev/null)
if [ -n "$provider_lib" ]; then echo "CUDA provider: $provider_lib"; else fail "onnxruntime-node's CUDA provider is not installed"; fi

key=$(sed -n 's/^FLAKEOPS_\\(API\\|ADMIN\\)_KEYS=\\([^:]*\\):.*/\\2/p' ${keysEnv} 2>/dev/null | head -n 1)
if ! curl -fsS --max-time 5 "$api${HEALTH_PATH}" >/dev/null; then
  fail "the API is not healthy on $api (systemctl status; journalctl -u the API unit)"
elif ! info=$(curl -fsS --max-time 5 \${key:+-H "X-API-Key: $key"} "$api/info"); then
  fail "the API did not answer /info"
else
  providers=$(jq -r '[.. | objects | to_entries[] | select(.key | test("^execution_providers?$")) | .value] | flatten | map(tostring) | join(",")' <<<"$info")
  echo "execution provider(s) the API reports: \${providers:-none}"
  case ",$providers," in
    ,cuda*) ;;
    *) fail "the API is not running on CUDA" ;;
  esac
fi
if [ "$ok" = 1 ]; then echo "OK: the API runs on the GPU"; exit 0; fi
exit 1
`;
}

/** Bash for the user data: install the check. */
export function gpuCheckUserData(port: number): string {
  return [
    `cat > ${GPU_CHECK_PATH} <<'CHECK'`,
    gpuCheckScript({ port }).trimEnd(),
    "CHECK",
    `chmod 0755 ${GPU_CHECK_PATH}`,
    "",
  ].join("\n");
}
