// Generated case descriptions read in the reader's language, never as the service's machine text; typed ones as typed.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import { I18nProvider, type Lang } from "../i18n";
import { readGenerated } from "./caseDescription";
import { CaseDescription, HistoryNote } from "./CaseDescription";

afterEach(() => vi.unstubAllGlobals());

function shown(lang: Lang, source: string, description: string): string {
  vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 503, headers: { "Content-Type": "application/json" } })));
  const { container, unmount } = render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <CaseDescription source={source} description={description} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  const text = container.textContent ?? "";
  unmount();
  return text;
}

it("says a callback's low answers and issue in Chinese", () => {
  const text = shown("zh-CN", "callback", "callback issue: 刹车异响; 还在; low answers: visit_satisfaction=3, repair_quality=2; earlier issues not resolved");
  expect(text).not.toMatch(/low answers|visit_satisfaction|callback issue|earlier issues/);
  expect(text).toContain("到店满意度 3 分");
  expect(text).toContain("维修质量 2 分");
  expect(text).toContain("刹车异响; 还在"); // the customer's words, as said
  expect(text).toContain("之前的问题尚未解决");
});

it("says a callback with only the producer's verdict, and a survey's answer, in Chinese", () => {
  expect(shown("zh-CN", "callback", "the callback recorded the customer as dissatisfied")).toBe("回访记录客户不满意");
  const survey = shown("zh-CN", "survey", "survey (sms): overall 4; low items: q7=3; comment: 太慢了");
  expect(survey).not.toMatch(/survey \(|low items|comment:/);
  expect(survey).toContain("问卷答复（短信）：总体 4 分");
  expect(survey).toContain("太慢了");
});

it("keeps typed descriptions and anything off the grammar as written", () => {
  expect(shown("zh-CN", "manual", "low answers: visit_satisfaction=3")).toBe("low answers: visit_satisfaction=3");
  expect(readGenerated("callback", "something else")).toBeNull();
  expect(readGenerated("survey", "survey (web): overall None")).toMatchObject({ overall: "None", low: [], comment: null });
  expect(shown("en", "callback", "low answers: visit_satisfaction=3")).toBe("Low answers: Visit satisfaction 3");
});

it("says the timeline's opening and added notes in Chinese too", () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 503, headers: { "Content-Type": "application/json" } })));
  const { container } = render(
    <I18nProvider lang="zh-CN">
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <HistoryNote action="open" source="callback" note="low answers: visit_satisfaction=3" />
        <HistoryNote action="added" source="callback" note="[survey:r1] survey callback_dissatisfied: survey (web): overall 3" />
        <HistoryNote action="acknowledge" source="callback" note="low answers: typed by a person" />
      </QueryClientProvider>
    </I18nProvider>,
  );
  const text = container.textContent ?? "";
  expect(text).toContain("到店满意度 3 分");
  expect(text).toContain("问卷答复（客户链接）：总体 3 分");
  expect(text).not.toMatch(/survey \(|\[survey:r1\]|visit_satisfaction/);
  expect(text).toContain("low answers: typed by a person");
});
