import { usd } from "../format.js";
import {
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  NOT_RECOMMENDED_TYPES,
  priceBook,
} from "../pricing/catalog.js";
import { HOURS_PER_MONTH, roundUSD, spotProfile } from "../pricing/pricing.js";
import { type Command, noPositionals, REGION_FLAG, regionOf } from "./command.js";
import { hourly, newTable } from "./table.js";

export const catalogCommand: Command = {
  name: "catalog",
  summary: "the instance types, their prices and which are below the minimum",
  flags: { ...REGION_FLAG },
  run({ values, positionals }) {
    noPositionals("catalog", positionals);
    const region = regionOf(values);
    const book = priceBook(region);
    const instances = listInstanceTypes(region).map((t) => ({
      type: t.type,
      family: t.family,
      arch: t.arch,
      vcpu: t.vcpu,
      memoryGiB: t.memoryGiB,
      gpu: t.gpu,
      hourlyUSD: t.hourlyUSD,
      monthlyUSD: roundUSD(t.hourlyUSD * HOURS_PER_MONTH),
      burstable: t.burstable,
      spot: spotProfile(t),
      belowMinimum: isBelowMinimum(t),
      notRecommended: NOT_RECOMMENDED_TYPES.includes(t.type),
    }));
    const t = newTable([
      "type",
      "arch",
      "vCPU",
      "GiB",
      "GPU",
      "hourly",
      "monthly",
      "burst baseline",
      "note",
    ]);
    for (const i of instances) {
      t.push([
        i.type,
        i.arch,
        i.vcpu,
        i.memoryGiB,
        i.gpu ? `${i.gpu.count}x ${i.gpu.model} ${i.gpu.memoryGiB} GiB` : "",
        hourly(i.hourlyUSD),
        usd(i.monthlyUSD),
        i.burstable
          ? `${i.burstable.baselinePerVcpu * 100} %/vCPU, ${i.burstable.creditsPerHour} cr/h`
          : "",
        i.notRecommended
          ? "not recommended"
          : i.belowMinimum
            ? "below minimum"
            : i.type === MIN_INSTANCE_TYPE
              ? "minimum"
              : "",
      ]);
    }
    return {
      doc: {
        instances,
        region,
        currency: book.currency,
        pricesAsOf: book.asOf,
        minimumInstanceType: MIN_INSTANCE_TYPE,
      },
      table: `${t.toString()}\n${region}, Linux on-demand, ${book.currency}, prices as of ${book.asOf}; a month is ${HOURS_PER_MONTH} h`,
    };
  },
};
