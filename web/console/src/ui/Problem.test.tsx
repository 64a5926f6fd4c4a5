// A refused request reads in the person's language: the problem's code in Chinese, never the service's English detail.
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { I18nProvider } from "../i18n";
import { Problem } from "./bits";

afterEach(cleanup);

const refused = new ApiError(409, {
  code: "state_conflict",
  detail: "complaint c1 is closed: cannot approve_action",
  errors: [{ field: "cause", reason: "String should have at least 1 character" }],
});

it("shows a problem's code in Chinese and folds the English detail away", () => {
  render(
    <I18nProvider lang="zh-CN">
      <Problem error={refused} />
    </I18nProvider>,
  );
  const alert = screen.getByRole("alert");
  expect(alert.textContent).toContain("此操作与案件当前状态不符");
  expect(alert.textContent).toContain("原因: 填写有误");
  expect(alert.querySelector("details")?.open).toBe(false);
  expect(alert.querySelector("details span")?.getAttribute("lang")).toBe("en");
});

it("shows the service's detail to a person reading English", () => {
  render(
    <I18nProvider lang="en">
      <Problem error={refused} />
    </I18nProvider>,
  );
  expect(screen.getByRole("alert").textContent).toContain("complaint c1 is closed");
});
