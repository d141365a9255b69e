import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { BUNDLE_MANIFEST_SUFFIX } from "@flakeops/api/contract";
import type { Arch } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecrRegistry, isImageRef, isS3Uri } from "../aws-names.js";
import type { ArtifactSource } from "../host/user-data.js";

/**
 * What the instances run. One of:
 * - `{ path }`: the bundle tarball `pnpm --filter @flakeops/api bundle` writes (one `.tgz` that
 *   keeps pnpm's links, with its manifest `<path>.json` next to it); uploaded as one file to a
 *   private bucket this component owns under a content-hashed key, so a new build rolls the group;
 * - `{ s3Uri }`: such a tarball already in S3 (`s3://bucket/key`);
 * - `{ image }`: a container image serving the API on the app port.
 *
 * A directory is refused: Pulumi's archive walk skips links to directories
 * (pulumi/pulumi sdk/go/common/resource/archive/archive.go, readPath; pulumi/pulumi#13349), and
 * pnpm's deploy layout is made of them, so the host would get a tree without its dependencies.
 */
export type ArtifactArg =
  | { readonly path: string }
  | { readonly s3Uri: string }
  | { readonly image: string };

export interface ResolvedArtifact {
  readonly source: pulumi.Output<ArtifactSource>;
  /** S3 ARNs the instance role may read (absent for images). */
  readonly s3Read?:
    | { objectArns: pulumi.Output<string[]>; bucketArns: pulumi.Output<string[]> }
    | undefined;
  readonly ecrPull: boolean;
  readonly bucket?: aws.s3.Bucket | undefined;
}

export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  if (!isS3Uri(uri)) throw new ArtifactError(`"${uri}" is not an s3://bucket/key URI`);
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  return slash < 0
    ? { bucket: rest, key: "" }
    : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

export function s3Arn(partition: string, bucket: string, key?: string): string {
  return `arn:${partition}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
}

/**
 * The bundle's manifest, next to the tarball as `<tarball>.json` (written by the api package's
 * scripts/bundle.ts, whose e2e test holds this reader to it).
 */

interface BundleManifest {
  readonly architectures: readonly string[];
  readonly sha256: string;
}

/** Node's name for each EC2 architecture (the bundle's manifest speaks Node). */
const NODE_ARCH: Record<Arch, string> = { x86_64: "x64", arm64: "arm64" };

const BUNDLE_HINT = "pnpm --filter @flakeops/api bundle (see the infra README)";

function readBundleManifest(tarball: string): BundleManifest {
  const file = `${tarball}${BUNDLE_MANIFEST_SUFFIX}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new ArtifactError(
      `artifact "${tarball}" has no readable manifest "${file}", so its architectures are unknown; build it with ${BUNDLE_HINT}`,
    );
  }
  const m = parsed as Partial<BundleManifest>;
  if (
    !Array.isArray(m.architectures) ||
    !m.architectures.every((a) => typeof a === "string") ||
    typeof m.sha256 !== "string"
  ) {
    throw new ArtifactError(
      `artifact manifest "${file}" lacks architectures or sha256; rebuild with ${BUNDLE_HINT}`,
    );
  }
  return m as BundleManifest;
}

/**
 * Check an artifact arg without creating anything (throws ArtifactError, one line). With
 * `arch`, a local bundle must carry that architecture's native binaries (sharp, onnxruntime).
 */
export function checkArtifact(artifact: ArtifactArg, arch?: Arch): void {
  if ("image" in artifact) {
    if (!isImageRef(artifact.image)) {
      throw new ArtifactError(
        `artifact.image "${artifact.image}" is not a container image reference (registry/repo:tag)`,
      );
    }
  } else if ("s3Uri" in artifact) {
    const { key } = parseS3Uri(artifact.s3Uri);
    if (key === "" || key.endsWith("/")) {
      throw new ArtifactError(
        `artifact.s3Uri "${artifact.s3Uri}" must name an object (s3://bucket/key.tgz)`,
      );
    }
  } else {
    if (!existsSync(artifact.path)) {
      throw new ArtifactError(
        `artifact path "${artifact.path}" does not exist; build the API first: ${BUNDLE_HINT}`,
      );
    }
    if (statSync(artifact.path).isDirectory()) {
      throw new ArtifactError(
        `artifact path "${artifact.path}" is a directory, whose links Pulumi would drop (pulumi/pulumi#13349); give the one-file bundle (.tgz) from ${BUNDLE_HINT}`,
      );
    }
    if (!/\.(tgz|tar\.gz)$/.test(artifact.path)) {
      throw new ArtifactError(
        `artifact path "${artifact.path}" must be the bundle tarball (.tgz or .tar.gz) from ${BUNDLE_HINT}`,
      );
    }
    if (arch !== undefined) {
      const manifest = readBundleManifest(artifact.path);
      if (manifest.sha256 !== fileDigest(artifact.path)) {
        throw new ArtifactError(
          `artifact manifest "${artifact.path}${BUNDLE_MANIFEST_SUFFIX}" describes another build (sha256 differs); rebuild with ${BUNDLE_HINT}`,
        );
      }
      if (!manifest.architectures.includes(NODE_ARCH[arch])) {
        throw new ArtifactError(
          `artifact "${artifact.path}" carries native binaries for ${manifest.architectures.join(", ") || "no Linux architecture"}; this ${arch} tier needs ${NODE_ARCH[arch]} (accepted: a bundle whose manifest lists ${NODE_ARCH[arch]}); rebuild with ${BUNDLE_HINT}`,
        );
      }
    }
  }
}

export function resolveArtifact(
  name: string,
  artifact: ArtifactArg,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): ResolvedArtifact {
  checkArtifact(artifact);
  if ("image" in artifact) {
    return {
      source: pulumi.output({ kind: "image", image: artifact.image } as const),
      ecrPull: ecrRegistry(artifact.image) !== undefined,
    };
  }
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  if ("s3Uri" in artifact) {
    const { bucket, key } = parseS3Uri(artifact.s3Uri);
    return {
      source: pulumi.output({
        kind: "s3",
        uri: artifact.s3Uri,
        format: artifact.s3Uri.endsWith(".zip") ? "zip" : "tgz",
      } as const),
      s3Read: {
        objectArns: partition.apply((p) => [s3Arn(p, bucket, key)]),
        bucketArns: pulumi.output([]),
      },
      ecrPull: false,
    };
  }
  // Content-addressed key: a new build is a new key, hence new user data, hence a rolling refresh.
  const format = "tgz";
  const key = `api/${fileDigest(artifact.path).slice(0, 16)}.${format}`;
  const bucket = privateBucket(`${name}-artifacts`, tags, parent);
  const object = new aws.s3.BucketObject(
    `${name}-api`,
    {
      bucket: bucket.id,
      key,
      // One file, uploaded byte for byte (a FileAsset, never a FileArchive: see ArtifactArg).
      source: new pulumi.asset.FileAsset(artifact.path),
      tags,
    },
    { parent },
  );
  return {
    source: pulumi.interpolate`s3://${object.bucket}/${object.key}`.apply(
      (uri) => ({ kind: "s3", uri, format }) as const,
    ),
    s3Read: {
      objectArns: pulumi
        .all([partition, object.bucket, object.key])
        .apply(([p, b, k]) => [s3Arn(p, b, k)]),
      bucketArns: pulumi.output([]),
    },
    ecrPull: false,
    bucket,
  };
}

const digests = new Map<string, string>();

/** sha256 of a file, once per path, size and mtime (the preview checks it, the upload keys on it). */
function fileDigest(path: string): string {
  const st = statSync(path);
  const id = `${path}\0${st.size}\0${st.mtimeMs}`;
  let digest = digests.get(id);
  if (digest === undefined) {
    digest = createHash("sha256").update(readFileSync(path)).digest("hex");
    digests.set(id, digest);
  }
  return digest;
}

/** What the instance role may read: the artifact object (if in S3) and the models prefix. */
export function instanceS3Read(
  artifact: ResolvedArtifact,
  modelsUri: string | undefined,
  parent: pulumi.Resource,
): { objectArns: pulumi.Output<string[]>; bucketArns: pulumi.Output<string[]> } | undefined {
  const models = modelsUri ? parseS3Uri(modelsUri) : undefined;
  if (!artifact.s3Read && !models) return undefined;
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  return {
    objectArns: pulumi
      .all([artifact.s3Read?.objectArns ?? [], partition])
      .apply(([objects, p]) =>
        models ? [...objects, s3Arn(p, models.bucket, `${models.key}*`)] : objects,
      ),
    bucketArns: partition.apply((p) => (models ? [s3Arn(p, models.bucket)] : [])),
  };
}

/** A bucket nothing public can reach: every public-access block on. */
export function privateBucket(
  name: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(name, { forceDestroy: true, tags }, { parent });
  new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  return bucket;
}
