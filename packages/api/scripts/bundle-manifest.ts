/**
 * What a bundle carries, read from the files themselves: the Linux CPU architectures whose
 * native binaries (sharp + libvips, onnxruntime-node) are all present. The bundle script writes
 * it into the tarball and next to it; the infra refuses a bundle without the tier's architecture.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { BUNDLE_ENTRY } from "../src/contract.js";

/** Inside the tarball, at its root. */
export const BUNDLE_MANIFEST_NAME = "flakeops-bundle.json";

/** Node's names for the Linux CPUs the hosts run (EC2 x86_64 = x64). */
export const LINUX_ARCHS = ["x64", "arm64"] as const;
export type LinuxArch = (typeof LINUX_ARCHS)[number];

export interface BundleManifest {
  readonly entry: string;
  readonly platform: "linux";
  readonly libc: "glibc";
  /** Architectures whose native binaries are all in the bundle. */
  readonly architectures: LinuxArch[];
  readonly native: { readonly sharp: string; readonly onnxruntime: string };
  /** sha256 of the tarball (only in the copy next to it: a file cannot hold its own hash). */
  readonly sha256?: string;
}

/** The native files one architecture needs, relative to the deploy directory (for the report). */
export interface ArchFiles {
  readonly sharp: string | undefined;
  readonly libvips: string | undefined;
  readonly onnxruntime: string | undefined;
}

function version(pkgJson: string): string {
  return (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version;
}

/**
 * The directory Node would load package `name` from, for code in `from` (a package.json): the
 * nearest `node_modules/<name>` up from `from`'s real path, as Node's resolution walks (pnpm's
 * links followed). Package `exports` maps do not matter here: only the directory is wanted.
 */
function packageDir(from: string, name: string): string | undefined {
  if (!existsSync(from)) return undefined;
  let dir = dirname(realpathSync(from));
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function firstFile(dir: string | undefined, pattern: RegExp): string | undefined {
  if (!dir || !existsSync(dir)) return undefined;
  const hit = readdirSync(dir).find((f) => pattern.test(f));
  return hit === undefined ? undefined : join(dir, hit);
}

/**
 * Where the deploy directory's native binaries for `arch` are (undefined where missing). The
 * packages are found the way Node finds them at run time, from @flakeops/inference.
 */
export function archFiles(deployDir: string, arch: LinuxArch): ArchFiles {
  const inference = join(deployDir, "node_modules/@flakeops/inference/package.json");
  const sharp = packageDir(inference, "sharp");
  const ort = packageDir(inference, "onnxruntime-node");
  const sharpFrom = sharp ? join(sharp, "package.json") : inference;
  // sharp's prebuilt packages: @img/sharp-linux-<arch> (the addon) + @img/sharp-libvips-linux-<arch>.
  const addon = firstFile(
    join(packageDir(sharpFrom, `@img/sharp-linux-${arch}`) ?? "/nonexistent", "lib"),
    new RegExp(`^sharp-linux-${arch}.*\\.node$`),
  );
  const libvips = firstFile(
    join(packageDir(sharpFrom, `@img/sharp-libvips-linux-${arch}`) ?? "/nonexistent", "lib"),
    /^libvips-cpp\.so/,
  );
  // onnxruntime-node ships every platform's binding in bin/napi-v<N>/<platform>/<arch>/.
  let binding: string | undefined;
  if (ort && existsSync(join(ort, "bin"))) {
    for (const napi of readdirSync(join(ort, "bin")).filter((d) => /^napi-v\d+$/.test(d))) {
      const dir = join(ort, "bin", napi, "linux", arch);
      if (
        existsSync(join(dir, "onnxruntime_binding.node")) &&
        firstFile(dir, /^libonnxruntime\.so/)
      )
        binding = join(dir, "onnxruntime_binding.node");
    }
  }
  return { sharp: addon, libvips, onnxruntime: binding };
}

export function readManifest(deployDir: string): BundleManifest {
  const inference = join(deployDir, "node_modules/@flakeops/inference/package.json");
  const sharp = packageDir(inference, "sharp");
  const ort = packageDir(inference, "onnxruntime-node");
  if (!sharp || !ort) throw new Error("the deploy output lacks sharp or onnxruntime-node");
  const architectures = LINUX_ARCHS.filter((arch) =>
    Object.values(archFiles(deployDir, arch)).every((f) => f !== undefined),
  );
  return {
    entry: BUNDLE_ENTRY,
    platform: "linux",
    libc: "glibc",
    architectures,
    native: {
      sharp: version(join(sharp, "package.json")),
      onnxruntime: version(join(ort, "package.json")),
    },
  };
}
