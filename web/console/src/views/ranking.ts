// The ranking's sort and filter, kept apart from the view so they are tested on their own.
import type { RankingEntry } from "../api/client";

export type SortKey =
  | "rank"
  | "index"
  | "dealer_code"
  | "dealer_name"
  | "region"
  | "responses"
  | "response_rate"
  | "complaints_per_100_ros";
export type Sort = { key: SortKey; desc: boolean };

/** Dealers whose code or name contains the search, in the region (if any). */
export function filterEntries(entries: readonly RankingEntry[], region: string, search: string): RankingEntry[] {
  const needle = search.trim().toLowerCase();
  return entries.filter(
    (e) =>
      (!region || e.region === region) &&
      (!needle || e.dealer_code.toLowerCase().includes(needle) || e.dealer_name.toLowerCase().includes(needle)),
  );
}

/** Sorted copy; dealers without a value (unranked, no complaints figure) always last. */
export function sortEntries(entries: readonly RankingEntry[], sort: Sort): RankingEntry[] {
  const dir = sort.desc ? -1 : 1;
  return [...entries].sort((a, b) => {
    const va = a[sort.key];
    const vb = b[sort.key];
    if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1;
    if (vb === null || vb === undefined) return -1;
    if (typeof va === "number" && typeof vb === "number") return (va - vb) * dir;
    return String(va).localeCompare(String(vb)) * dir;
  });
}
