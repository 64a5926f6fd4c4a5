// An integrity signal said in the reader's language from its code, evidence and p-value (scoring's `explanation` is
// one English sentence, so it is shown only for a code this console does not know yet).
import { fmtPct } from "../format";
import { en, type Key } from "../messages";

export type SignalFacts = { code: string; p_value: number | null; explanation: string; evidence: Record<string, unknown> };
type T = (key: Key, vars?: Record<string, string | number>) => string;

/** Evidence keys that are shares (0-1) and read as percentages. */
const SHARES = new Set(["rate", "region_rate", "share", "fast_share", "region_share"]);

function pValue(p: number | null): string {
  if (p === null) return "—";
  return p < 1e-12 ? "p < 1e-12" : `p = ${p.toExponential(0)}`;
}

function figure(key: string, value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  if (SHARES.has(key)) return fmtPct(100 * value, 0);
  if (key === "mean_gap" || key === "rise") return value.toFixed(1);
  if (key === "previous" || key === "current") return value.toFixed(0);
  return String(value);
}

export function signalName(t: T, code: string): string {
  const key = `signal.${code}`;
  return key in en ? t(key as Key) : code;
}

export function signalText(t: T, s: SignalFacts): string {
  const key = `signal.${s.code}.text`;
  if (!(key in en)) return s.explanation;
  const vars: Record<string, string> = { p: pValue(s.p_value) };
  for (const [name, value] of Object.entries(s.evidence)) vars[name] = figure(name, value);
  return t(key as Key, vars);
}
