// Figures as people read them: the index with one decimal, shares in %, times in the browser's zone, SLA countdowns.
import type { Lang } from "./i18n";

export const DASH = "—";

export function fmtIndex(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? DASH : value.toFixed(1);
}

export function fmtInterval(interval: readonly [number, number] | number[] | null | undefined): string {
  if (!interval || interval.length !== 2) return DASH;
  return `${interval[0].toFixed(0)}–${interval[1].toFixed(0)}`;
}

export function fmtPct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || Number.isNaN(value) ? DASH : `${value.toFixed(digits)}%`;
}

/** A share of two counts in %, or null when there is nothing to divide by. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

export function fmtCount(value: number | null | undefined, lang: Lang): string {
  return value === null || value === undefined ? DASH : value.toLocaleString(lang);
}

export function fmtDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  return d.toLocaleString(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
}

export function fmtDate(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return DASH;
  const d = iso.length === 10 ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return d.toLocaleDateString(lang, { year: "numeric", month: "2-digit", day: "2-digit" });
}

/** "3 h 12 min" (zh-CN "3小时12分"), days beyond 48 hours; the sign is the caller's to show. */
export function fmtDuration(ms: number, lang: Lang): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (lang === "zh-CN") {
    if (minutes >= 2880) return `${days}天${hours}小时`;
    return minutes >= 60 ? `${Math.floor(minutes / 60)}小时${mins}分` : `${mins}分`;
  }
  if (minutes >= 2880) return `${days} d ${hours} h`;
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${mins} min` : `${mins} min`;
}

/** The month as YYYY-MM in the browser's zone. */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

export function addMonths(period: string, n: number): string {
  const [y, m] = period.split("-").map(Number);
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
}

/** A `<input type="datetime-local">` value as ISO 8601 with the browser's offset, as the APIs require. */
export function localInputToIso(value: string): string {
  const d = new Date(value);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${value.length === 16 ? `${value}:00` : value}${sign}${hh}:${mm}`;
}

/** A Date as a `<input type="datetime-local">` value in the browser's zone. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Equal-width bins over [min, max] for a distribution chart. */
export function histogram(values: number[], binWidth: number): { from: number; to: number; count: number }[] {
  if (values.length === 0) return [];
  const lo = Math.floor(Math.min(...values) / binWidth) * binWidth;
  const hi = Math.floor(Math.max(...values) / binWidth) * binWidth;
  const bins = [];
  for (let from = lo; from <= hi; from += binWidth) bins.push({ from, to: from + binWidth, count: 0 });
  for (const v of values) bins[Math.floor((v - lo) / binWidth)].count += 1;
  return bins;
}
