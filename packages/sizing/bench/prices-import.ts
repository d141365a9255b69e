import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PriceImport } from "../src/prices/import.js";

/**
 * Import speed and peak memory of `prices import` on a generated AmazonEC2 offer of about
 * --mb MB (default 1024): the file is written to a temp folder (and removed), then imported in
 * a child process so its peak RSS is the import's alone.
 *
 *   npx tsx --conditions=@flakeops/source packages/sizing/bench/prices-import.ts [--mb 1024]
 */

const MAX_MB = 4096;

async function generate(file: string, targetBytes: number): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, "drain");
  };
  await write(
    `{"formatVersion":"v1.0","disclaimer":"bench","offerCode":"AmazonEC2","version":"20261101000000","publicationDate":"2026-11-01T00:00:00Z","products":{\n`,
  );
  // Products are about a third of a real offer; terms the rest. Write products until a third.
  // As in a real regional offer, about 900 instance types, each with many SKUs (operating system,
  // tenancy, licence, pre-installed software, capacity status): one is Linux shared.
  const TYPES = 900;
  let n = 0;
  const sku = (i: number) => `B${String(i).padStart(15, "0")}`;
  const oses = ["Linux", "Windows", "RHEL", "SUSE"];
  while (bytes < targetBytes / 3) {
    const type = `x${n % TYPES}.large`;
    const product = {
      sku: sku(n),
      productFamily: "Compute Instance",
      attributes: {
        servicecode: "AmazonEC2",
        location: "US East (N. Virginia)",
        locationType: "AWS Region",
        regionCode: "us-east-1",
        instanceType: type,
        operatingSystem: n < TYPES ? "Linux" : oses[1 + (n % 3)],
        tenancy: "Shared",
        preInstalledSw: "NA",
        capacitystatus: "Used",
        licenseModel: "No License required",
        usagetype: `BoxUsage:${type}`,
        operation: "RunInstances",
        vcpu: "2",
        memory: "8 GiB",
        networkPerformance: "Up to 5 Gigabit",
        physicalProcessor: "Intel Xeon Platinum 8000 series",
      },
    };
    await write(`${n ? ",\n" : ""}"${sku(n)}":${JSON.stringify(product)}`);
    n++;
  }
  await write(`},"terms":{"OnDemand":{\n`);
  for (let i = 0; i < n; i++) {
    const code = `${sku(i)}.JRTCKXETXF`;
    const term = {
      [code]: {
        offerTermCode: "JRTCKXETXF",
        sku: sku(i),
        effectiveDate: "2026-11-01T00:00:00Z",
        priceDimensions: {
          [`${code}.6YS6EN2CT7`]: {
            rateCode: `${code}.6YS6EN2CT7`,
            description: "$0.0832 per On Demand Linux Instance Hour",
            beginRange: "0",
            endRange: "Inf",
            unit: "Hrs",
            pricePerUnit: { USD: (0.01 + (i % 997) / 1000).toFixed(10) },
            appliesTo: [],
          },
        },
        termAttributes: {},
      },
    };
    await write(`${i ? ",\n" : ""}"${sku(i)}":${JSON.stringify(term)}`);
  }
  await write(`},"Reserved":{\n`);
  for (let i = 0; i < n && bytes < targetBytes - 4096; i++) {
    const terms: Record<string, unknown> = {};
    for (const [t, o] of [
      ["1yr", "No Upfront"],
      ["1yr", "All Upfront"],
      ["3yr", "Partial Upfront"],
    ] as const) {
      const code = `${sku(i)}.${t}${o.slice(0, 3)}`.toUpperCase();
      terms[code] = {
        offerTermCode: code.split(".")[1],
        sku: sku(i),
        effectiveDate: "2026-11-01T00:00:00Z",
        priceDimensions: {
          [`${code}.2TG2D8R56U`]: {
            unit: "Quantity",
            description: "Upfront Fee",
            pricePerUnit: { USD: "100.0000000000" },
            appliesTo: [],
          },
          [`${code}.6YS6EN2CT7`]: {
            unit: "Hrs",
            description: "Reserved hour",
            beginRange: "0",
            endRange: "Inf",
            pricePerUnit: { USD: "0.0300000000" },
            appliesTo: [],
          },
        },
        termAttributes: { LeaseContractLength: t, OfferingClass: "standard", PurchaseOption: o },
      };
    }
    await write(`${i ? ",\n" : ""}"${sku(i)}":${JSON.stringify(terms)}`);
  }
  await write("}}}\n");
  out.end();
  await once(out, "finish");
  return n;
}

async function importOnly(file: string): Promise<void> {
  const started = process.hrtime.bigint();
  const imp = new PriceImport();
  await imp.add(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const book = imp.book();
  const types = Object.keys(book.regions["us-east-1"]?.onDemandHourlyUSD ?? {}).length;
  const mb = imp.bytes / 1e6;
  process.stdout.write(
    `${JSON.stringify({ mb: Math.round(mb), seconds: Number(seconds.toFixed(1)), mbPerSecond: Number((mb / seconds).toFixed(1)), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), linuxTypes: types })}\n`,
  );
}

const args = process.argv.slice(2);
if (args[0] === "--import-only") {
  await importOnly(args[1]!);
} else {
  const mbArg = args.indexOf("--mb");
  const mb = mbArg >= 0 ? Number(args[mbArg + 1]) : 1024;
  if (!(mb > 0 && mb <= MAX_MB)) throw new Error(`--mb must be in (0, ${MAX_MB}]`);
  const dir = mkdtempSync(join(tmpdir(), "sizing-offer-bench-"));
  try {
    const file = join(dir, "offer.json");
    const products = await generate(file, mb * 1e6);
    process.stdout.write(
      `generated ${Math.round(statSync(file).size / 1e6)} MB, ${products} products\n`,
    );
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--import-only", file],
      { stdio: "inherit", timeout: 1_800_000 },
    );
    if (child.status !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
