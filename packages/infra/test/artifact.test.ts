import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_MANIFEST_SUFFIX } from "@flakeops/api/contract";
import { afterAll, describe, expect, it } from "vitest";
import { checkArtifact } from "../src/tier/artifact.js";

const dir = mkdtempSync(join(tmpdir(), "flakeops-artifact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tarball stand-in and the manifest the bundle script writes next to it. */
function bundle(name: string, architectures: string[], sha256?: string): string {
  const file = join(dir, name);
  writeFileSync(file, `bytes of ${name}`);
  const digest = createHash("sha256").update(`bytes of ${name}`).digest("hex");
  writeFileSync(
    `${file}${BUNDLE_MANIFEST_SUFFIX}`,
    JSON.stringify({ entry: "dist/main.js", architectures, sha256: sha256 ?? digest }),
  );
  return file;
}

describe("artifact check", () => {
  it("accepts a bundle whose manifest lists the tier's architecture", () => {
    const both = bundle("both.tgz", ["x64", "arm64"]);
    expect(() => checkArtifact({ path: both }, "x86_64")).not.toThrow();
    expect(() => checkArtifact({ path: both }, "arm64")).not.toThrow();
  });

  it("refuses, in one line naming what is accepted, a bundle for another architecture", () => {
    const x64 = bundle("x64.tgz", ["x64"]);
    expect(() => checkArtifact({ path: x64 }, "arm64")).toThrow(
      /^artifact ".*x64\.tgz" carries native binaries for x64; this arm64 tier needs arm64 \(accepted: a bundle whose manifest lists arm64\); rebuild with pnpm --filter @flakeops\/api bundle/,
    );
    const none = bundle("none.tgz", []);
    expect(() => checkArtifact({ path: none }, "x86_64")).toThrow(/for no Linux architecture/);
  });

  it("refuses a manifest that is missing, malformed or from another build", () => {
    const stale = bundle("stale.tgz", ["x64", "arm64"], "0".repeat(64));
    expect(() => checkArtifact({ path: stale }, "x86_64")).toThrow(/sha256 differs/);
    const bare = join(dir, "bare.tgz");
    writeFileSync(bare, "no manifest");
    expect(() => checkArtifact({ path: bare }, "x86_64")).toThrow(/no readable manifest/);
    const bad = join(dir, "bad.tgz");
    writeFileSync(bad, "x");
    writeFileSync(`${bad}${BUNDLE_MANIFEST_SUFFIX}`, JSON.stringify({ architectures: "x64" }));
    expect(() => checkArtifact({ path: bad }, "x86_64")).toThrow(/lacks architectures or sha256/);
  });

  it("refuses a directory (Pulumi would drop its links) and anything but a tarball", () => {
    const deployDir = join(dir, "api");
    mkdirSync(deployDir);
    expect(() => checkArtifact({ path: deployDir })).toThrow(
      /is a directory, whose links Pulumi would drop \(pulumi\/pulumi#13349\)/,
    );
    const zip = join(dir, "api.zip");
    writeFileSync(zip, "PK");
    expect(() => checkArtifact({ path: zip })).toThrow(/must be the bundle tarball/);
    expect(() => checkArtifact({ path: join(dir, "missing.tgz") })).toThrow(/does not exist/);
  });
});
