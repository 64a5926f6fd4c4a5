// The desk's "waiting for you" count: open cases the caller may act on, never closed ones (whose only step is reopen).
import { expect, it } from "vitest";
import { waitsForYou } from "./complaints";

it("counts an open case with a step for the caller, not a closed case that may only be reopened", () => {
  expect(waitsForYou({ status: "acknowledged", allowed_actions: ["propose_action"] })).toBe(true);
  expect(waitsForYou({ status: "acknowledged", allowed_actions: [] })).toBe(false);
  expect(waitsForYou({ status: "closed", allowed_actions: ["reopen"] })).toBe(false);
});
