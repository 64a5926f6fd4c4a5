import { expect, it } from "vitest";
import { translate } from "./i18n";
import { en, zh } from "./messages";

it("has every text in Chinese too", () => {
  expect(Object.keys(en).filter((k) => !(k in zh))).toEqual([]);
});

it("fills placeholders in either language", () => {
  expect(translate("en", "worklist.summary", { n: 3, overdue: 1 })).toBe("3 open callbacks, 1 overdue; callable now first.");
  expect(translate("zh-CN", "sla.left", { time: "3小时" })).toBe("剩余 3小时");
});

it("names the network's regions in Chinese and leaves other codes as they are", async () => {
  const { regionLabel } = await import("./i18n");
  const t = (key: Parameters<typeof translate>[1]) => translate("zh-CN", key);
  expect(regionLabel(t, "east")).toBe("华东");
  expect(regionLabel(t, "r3")).toBe("r3");
});
