import { describe, expect, it } from "vitest";
import type { RankingEntry } from "../api/client";
import { filterEntries, sortEntries } from "./ranking";
import { byUrgency, nextDeadline } from "./complaints";
import type { Complaint } from "../api/client";

const entry = (code: string, rank: number | null, index: number, region: string, name = `Dealer ${code}`): RankingEntry => ({
  dealer_code: code, dealer_name: name, region, rank, percentile: null, index, responses: 40, interval: [index - 10, index + 10],
  factors: {}, status: "provisional", complaints_per_100_ros: rank === null ? null : 1.5, response_rate: null, contact_rate: null,
  under_review: false, review_headline: null,
});

describe("the ranking", () => {
  const all = [entry("X0001", 2, 880, "east"), entry("X0002", 1, 910, "north", "浦东汽车"), entry("X0003", null, 700, "east")];
  it("filters by region and by code or name", () => {
    expect(filterEntries(all, "east", "").map((e) => e.dealer_code)).toEqual(["X0001", "X0003"]);
    expect(filterEntries(all, "", "浦东").map((e) => e.dealer_code)).toEqual(["X0002"]);
    expect(filterEntries(all, "", "x0003").map((e) => e.dealer_code)).toEqual(["X0003"]);
  });
  it("sorts either way and keeps unranked dealers last", () => {
    expect(sortEntries(all, { key: "rank", desc: false }).map((e) => e.dealer_code)).toEqual(["X0002", "X0001", "X0003"]);
    expect(sortEntries(all, { key: "rank", desc: true }).map((e) => e.dealer_code)).toEqual(["X0001", "X0002", "X0003"]);
    expect(sortEntries(all, { key: "index", desc: true }).map((e) => e.dealer_code)).toEqual(["X0002", "X0001", "X0003"]);
    expect(sortEntries(all, { key: "dealer_name", desc: false })[0].dealer_code).toBe("X0001");
  });
});

const complaint = (over: Partial<Complaint>): Complaint =>
  ({
    id: "c", severity: "normal", status: "open", opened_at: "2026-11-01T00:00:00Z", first_response_at: null,
    first_response_due: "2026-11-02T00:00:00Z", resolved_at: null, resolution_due: "2026-11-08T00:00:00Z", ...over,
  }) as Complaint;

describe("the complaint desk's order", () => {
  it("runs the first-response clock until acknowledged, then the resolution clock", () => {
    expect(nextDeadline(complaint({}))).toEqual({ kind: "first_response", due: "2026-11-02T00:00:00Z" });
    expect(nextDeadline(complaint({ first_response_at: "2026-11-01T01:00:00Z" }))?.kind).toBe("resolution");
    expect(nextDeadline(complaint({ first_response_at: "x", resolved_at: "y" }))).toBeNull();
  });
  it("puts the nearest deadline first, major before normal on a tie, cases without a clock last", () => {
    const a = complaint({ id: "a", first_response_at: "x", resolution_due: "2026-11-03T00:00:00Z" });
    const b = complaint({ id: "b" });
    const c = complaint({ id: "c", severity: "major" });
    const d = complaint({ id: "d", first_response_at: "x", resolved_at: "y" });
    expect([d, a, b, c].sort(byUrgency).map((x) => x.id)).toEqual(["c", "b", "a", "d"]);
  });
  it("puts a minor case after a normal one on a tie, whichever comes first", () => {
    const minor = complaint({ id: "m", severity: "minor" });
    const normal = complaint({ id: "n" });
    expect([minor, normal].sort(byUrgency).map((x) => x.id)).toEqual(["n", "m"]);
    expect([normal, minor].sort(byUrgency).map((x) => x.id)).toEqual(["n", "m"]);
  });
});
