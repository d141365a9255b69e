/** How figures read in messages and tables. */
export const usd = (value: number): string => `$${value.toFixed(2)}`;
export const pct = (value: number, digits = 0): string => `${value.toFixed(digits)} %`;

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
