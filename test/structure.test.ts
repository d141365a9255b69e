import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import madge from "madge";
import { describe, expect, it } from "vitest";

/**
 * The tree's shape, checked: the packages depend on each other in one direction (the data flow
 * of the README, read bottom-up), no package has an import cycle inside it, and no source file
 * is too big to change safely.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Lowest first: a package may depend only on packages before it. */
const PACKAGE_ORDER = ["sizing", "inference", "api", "infra"] as const;
const MAX_LINES = 400;

function workspaceDeps(pkg: string): string[] {
  const json = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8"));
  return Object.keys({ ...json.dependencies, ...json.devDependencies })
    .filter((name) => name.startsWith("@flakeops/"))
    .map((name) => name.slice("@flakeops/".length));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? sourceFiles(path)
      : /\.(ts|mjs)$/.test(name)
        ? [path]
        : [];
  });
}

describe("repository structure", () => {
  it("packages depend only on packages below them", () => {
    const upward = PACKAGE_ORDER.flatMap((pkg, i) =>
      workspaceDeps(pkg)
        .filter((dep) => PACKAGE_ORDER.indexOf(dep as (typeof PACKAGE_ORDER)[number]) >= i)
        .map((dep) => `${pkg} -> ${dep}`),
    );
    expect(upward).toEqual([]);
  });

  it("no package links a bin to a build output (pnpm would warn 'Failed to create bin' on install)", () => {
    // The bins point at dist/, which exists only after a build: they belong in publishConfig,
    // which pnpm applies to the published manifest alone.
    const linked = PACKAGE_ORDER.filter((pkg) => {
      const json = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8"));
      return json.bin !== undefined;
    });
    expect(linked).toEqual([]);
  });

  it.each(PACKAGE_ORDER)("packages/%s/src has no import cycle", async (pkg) => {
    const graph = await madge(join(ROOT, "packages", pkg, "src"), {
      fileExtensions: ["ts", "mjs"],
      tsConfig: join(ROOT, "packages", pkg, "tsconfig.json"),
    });
    expect(graph.circular()).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines (generated tables say so on line 1)`, () => {
    const long = PACKAGE_ORDER.flatMap((pkg) => sourceFiles(join(ROOT, "packages", pkg, "src")))
      .map((path) => ({ path, text: readFileSync(path, "utf8") }))
      .filter(
        ({ text }) => text.split("\n").length - 1 > MAX_LINES && !/^\/\/ generated/i.test(text),
      )
      .map(({ path }) => relative(ROOT, path));
    expect(long).toEqual([]);
  });
});
