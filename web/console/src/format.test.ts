import { describe, expect, it } from "vitest";
import { addMonths, fmtDuration, fmtIndex, fmtInterval, fmtPct, histogram, localInputToIso, share } from "./format";

describe("figures", () => {
  it("shows the index with one decimal and a dash for none", () => {
    expect(fmtIndex(842.26)).toBe("842.3");
    expect(fmtIndex(1000)).toBe("1000.0");
    expect(fmtIndex(null)).toBe("—");
    expect(fmtIndex(undefined)).toBe("—");
  });
  it("shows the interval rounded, a dash under two responses", () => {
    expect(fmtInterval([820.4, 859.6])).toBe("820–860");
    expect(fmtInterval(null)).toBe("—");
  });
  it("shows shares in % and never divides by zero", () => {
    expect(fmtPct(97.25)).toBe("97.3%");
    expect(fmtPct(null)).toBe("—");
    expect(share(3, 4)).toBe(75);
    expect(share(3, 0)).toBeNull();
  });
  it("counts down in hours and minutes, days past two days, in both languages", () => {
    expect(fmtDuration(3 * 3600_000 + 12 * 60_000 + 59_000, "en")).toBe("3 h 12 min");
    expect(fmtDuration(-(2 * 3600_000 + 5 * 60_000), "en")).toBe("2 h 5 min");
    expect(fmtDuration(45 * 60_000, "zh-CN")).toBe("45分");
    expect(fmtDuration(3 * 3600_000 + 60_000, "zh-CN")).toBe("3小时1分");
    expect(fmtDuration(50 * 3600_000, "en")).toBe("2 d 2 h");
    expect(fmtDuration(50 * 3600_000, "zh-CN")).toBe("2天2小时");
  });
  it("steps months across years", () => {
    expect(addMonths("2026-11", -11)).toBe("2025-12");
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(addMonths("2026-12", 1)).toBe("2027-01");
  });
  it("gives a local time input an offset, as the APIs require", () => {
    expect(localInputToIso("2026-11-23T18:30")).toMatch(/^2026-11-23T18:30:00[+-]\d\d:\d\d$/);
  });
  it("bins a distribution", () => {
    expect(histogram([801, 824.9, 826, 899], 25)).toEqual([
      { from: 800, to: 825, count: 2 },
      { from: 825, to: 850, count: 1 },
      { from: 850, to: 875, count: 0 },
      { from: 875, to: 900, count: 1 },
    ]);
    expect(histogram([], 25)).toEqual([]);
  });
});
