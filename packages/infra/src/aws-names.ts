/**
 * The shapes of AWS names and URIs this package accepts, in one place: the stack config, the
 * components and the host scripts all check against these. Every pattern is anchored and
 * excludes whitespace and shell metacharacters, so a value that passes can be placed in a
 * script (quoted where the script says so).
 */

/** An S3 bucket name (lowercase letters, digits, dots, dashes; 3-63 characters). */
const BUCKET_NAME = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
/** The characters an S3 key may use here (AWS's "safe" set, plus `/` and `=`/`+`). */
const KEY_CHARS = "A-Za-z0-9!_.*'()/=+-";

const BUCKET = new RegExp(`^${BUCKET_NAME}$`);
/** `s3://bucket` or `s3://bucket/key-or-prefix`. */
const S3_URI = new RegExp(`^s3://${BUCKET_NAME}(/[${KEY_CHARS}]*)?$`);
/** Key prefixes: one or more path segments, each ending in `/`. */
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/;
/** https://sqs.<region>.amazonaws.com[.cn]/<account>/<queue name> */
const SQS_QUEUE_URL =
  /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;
/** <account>.dkr.ecr.<region>.amazonaws.com[.cn] */
const ECR_REGISTRY = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
// registry/repo:tag or @digest; no whitespace or shell metacharacters.
const IMAGE_REF =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\.[a-z0-9-]+)*(\/[a-z0-9._-]+)*(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})?$/;

/** An AWS region such as us-east-1 or ap-southeast-2. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** An EC2 instance type such as t3.large (whether it exists is the sizing catalog's answer). */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** An ACM certificate ARN, in any partition. */
export const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:/;

export function isBucketName(value: string): boolean {
  return BUCKET.test(value);
}

export function isS3Uri(value: string): boolean {
  return S3_URI.test(value);
}

export function isKeyPrefix(value: string): boolean {
  return KEY_PREFIX.test(value);
}

export function isSqsQueueUrl(value: string): boolean {
  return SQS_QUEUE_URL.test(value);
}

export function isRegion(value: string): boolean {
  return REGION.test(value);
}

export function isImageRef(value: string): boolean {
  return value.length <= 255 && IMAGE_REF.test(value);
}

/** The ECR registry host of an image, if it is in ECR (then the instance logs in first). */
export function ecrRegistry(image: string): string | undefined {
  const host = image.split("/")[0] ?? "";
  return ECR_REGISTRY.test(host) ? host : undefined;
}
