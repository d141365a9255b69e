import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecrRegistry, isImageRef, isS3Uri } from "../aws-names.js";
import type { ArtifactSource } from "../host/user-data.js";

/**
 * What the instances run. One of:
 * - `{ path }`: the api package's deploy output (its BUNDLE_ENTRY and `node_modules` at the
 *   root), as a directory (Pulumi zips it) or a `.tgz`; uploaded to a private bucket this
 *   component owns under a content-hashed key, so a new build rolls the group;
 * - `{ s3Uri }`: such a tarball already in S3 (`s3://bucket/key`);
 * - `{ image }`: a container image serving the API on the app port.
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

/** Check an artifact arg without creating anything (throws ArtifactError, one line). */
export function checkArtifact(artifact: ArtifactArg): void {
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
        `artifact path "${artifact.path}" does not exist; build the API first: pnpm --filter @flakeops/api bundle (see the infra README)`,
      );
    }
    if (!statSync(artifact.path).isDirectory() && !/\.(tgz|tar\.gz)$/.test(artifact.path)) {
      throw new ArtifactError(
        `artifact path "${artifact.path}" must be a directory or a .tgz tarball`,
      );
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
  const isDir = statSync(artifact.path).isDirectory();
  // Content-addressed key: a new build is a new key, hence new user data, hence a rolling refresh.
  const digest = (isDir ? directoryDigest(artifact.path) : fileDigest(artifact.path)).slice(0, 16);
  const format = isDir ? "zip" : "tgz";
  const key = `api/${digest}.${format}`;
  const bucket = privateBucket(`${name}-artifacts`, tags, parent);
  const object = new aws.s3.BucketObject(
    `${name}-api`,
    {
      bucket: bucket.id,
      key,
      source: isDir
        ? new pulumi.asset.FileArchive(artifact.path)
        : new pulumi.asset.FileAsset(artifact.path),
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

function fileDigest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Paths, sizes and mtimes: cheap on a node_modules tree, and any rebuild changes it. */
function directoryDigest(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const st = statSync(full);
        hash.update(`${relative(root, full)}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(root);
  return hash.digest("hex");
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
