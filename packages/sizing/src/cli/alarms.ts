import { ALARM_RULES, windowMinutes } from "../alarm-rules.js";
import { type Command, noPositionals } from "./command.js";
import { newTable } from "./table.js";

export const alarmsCommand: Command = {
  name: "alarms",
  summary: "the alarm and scaling rules @flakeops/infra deploys",
  flags: {},
  run({ positionals }) {
    noPositionals("alarms", positionals);
    const rules = ALARM_RULES.map((r) => ({ ...r, windowMinutes: windowMinutes(r) }));
    const t = newTable(["rule", "metric", "condition", "window", "action"]);
    for (const r of rules) {
      t.push([
        r.id,
        `${r.namespace} ${r.metric} (${r.statistic})`,
        `${r.comparison === "GreaterThanThreshold" ? ">" : "<"} ${r.threshold} %`,
        `${r.windowMinutes} min`,
        r.action.kind === "scale"
          ? `scale ${r.action.adjustment > 0 ? "out +1" : "in -1"}`
          : "notify",
      ]);
    }
    return { doc: { rules }, table: t.toString() };
  },
};
