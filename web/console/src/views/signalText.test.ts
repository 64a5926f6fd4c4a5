// Integrity signals read in the reader's language from their figures, never as scoring's English sentence.
import { expect, it } from "vitest";
import { translate, type Lang } from "../i18n";
import type { Key } from "../messages";
import { signalName, signalText, type SignalFacts } from "./signalText";

const tr = (lang: Lang) => (key: Key, vars?: Record<string, string | number>) => translate(lang, key, vars);
const straight: SignalFacts = {
  code: "straight_lined",
  p_value: 2.3e-5,
  explanation: "12 of 40 answers (30%) gave 10 to every question without a comment, against 5% in the rest of the region (p = 2e-05)",
  evidence: { answers: 40, perfect_straight_lines: 12, share: 0.3, region_share: 0.05 },
};

it("says a signal in Chinese from its code, figures and p-value", () => {
  const t = tr("zh-CN");
  const text = signalText(t, straight);
  expect(text).not.toContain(straight.explanation);
  expect(text).not.toMatch(/answers|question|region/);
  expect(text).toBe("40 份答卷中有 12 份（30%）每题都打 10 分且没有留言，区域内其他经销商为 5%（p = 2e-5）。");
  expect(signalName(t, "straight_lined")).toBe("全部满分");
});

it("fills every known signal's figures in both languages", () => {
  const evidence = {
    ros: 50, shared_phones: 2, ros_with_shared_phone: 9, known_numbers: 3, ros_with_dealer_number: 6, ros_with_phone: 20, rate: 0.4,
    region_rate: 0.9, timed_answers: 30, fast: 10, fast_share: 0.333, region_share: 0.05, before_link_sent: 1, answers_with_network: 20,
    largest_source: 15, share: 0.75, browser_family: "Chrome", answers: 30, perfect_straight_lines: 12, asking: 3, comments: 8, pairs: 20,
    mean_gap: 2.4, callback_higher: 15, callback_lower: 2, previous: 70.2, current: 88.9, rise: 18.7, late_corrected: 4, declined: 20,
  };
  const codes = ["shared_phone", "dealer_number", "low_contact_rate", "fast_answers", "one_source", "straight_lined", "asked_for_perfect",
    "callback_gap", "index_jump", "late_settlement_corrections", "declined_at_reception"];
  for (const lang of ["zh-CN", "en"] as Lang[]) {
    for (const code of codes) {
      const text = signalText(tr(lang), { code, p_value: 1e-13, explanation: "machine", evidence });
      expect(text, code).not.toMatch(/[{}]|machine/);
      expect(signalName(tr(lang), code), code).not.toBe(code);
    }
  }
});

it("falls back to scoring's sentence only for a code the console does not know", () => {
  expect(signalText(tr("zh-CN"), { code: "new_signal", p_value: null, explanation: "Something new.", evidence: {} })).toBe("Something new.");
  expect(signalName(tr("zh-CN"), "new_signal")).toBe("new_signal");
});
