// The case page offers only the steps allowed_actions lists, and shows what people typed as text, never as markup.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, expect, it, vi } from "vitest";
import { I18nProvider } from "../i18n";
import CasePage from "./CasePage";

const XSS = "<img src=x onerror=alert(1)>";
const complaint = {
  id: "c1", dealer_code: "D001", ro_number: "RO-1", source: "callback", channel: "phone", severity: "major",
  category: "service_quality", description: XSS, status: "action_proposed", customer: { name: XSS, phone: "+86138****8000" },
  opened_at: "2026-11-02T01:00:00Z", first_response_due: "2026-11-03T01:00:00Z", first_response_at: "2026-11-02T02:00:00Z",
  first_response_overdue: false, resolution_due: "2026-11-09T01:00:00Z", resolution_overdue: false, resolved_at: null,
  resolved_by: null, verified_at: null, verified_by: null, closed_at: null, escalation_level: 0, resolution_escalation_level: 0, reopened: 0,
  cause: XSS, corrective_action: "Retrain", preventive_action: "Checklist", supervisor: null, contact: null,
  allowed_actions: ["approve_action"],
};
const person = { dealer_code: "D001", email: null, phone: null, updated_at: "2026-11-01T00:00:00Z" };
const staff = [
  { ...person, staff_id: "GM01", name: "赵总", role: "general_manager", active: true },
  { ...person, staff_id: "OEM-E", name: "East office", role: "oem_region", active: true },
  { ...person, staff_id: "SM02", name: "Left", role: "service_manager", active: false },
];
const history = [{ action: "acknowledge", from_status: "open", to_status: "acknowledged", actor: "u1", role: "cra", note: XSS, at: "2026-11-02T02:00:00Z" }];

afterEach(() => vi.unstubAllGlobals());

it("offers the allowed step with its required field, and renders typed text literally", async () => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const body = request.url.endsWith("/history") ? history : request.url.endsWith("/staff") ? staff : complaint;
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
  const { container } = render(
    <I18nProvider lang="en">
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter initialEntries={["/complaints/c1"]}>
          <Routes>
            <Route path="/complaints/:id" element={<CasePage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </I18nProvider>,
  );
  await screen.findByRole("heading", { name: "Approve the action" });
  expect(screen.getByRole("button", { name: "Approve the action" })).toBeTruthy();
  // The supervisor is picked from the dealer's directory: its active people, not the OEM's contact nor who left.
  const supervisor = (await screen.findByLabelText(/Supervisor/)) as HTMLSelectElement;
  expect(supervisor.tagName).toBe("SELECT");
  expect(supervisor.required).toBe(true);
  expect([...supervisor.options].map((o) => o.value)).toEqual(["", "GM01"]);
  expect(supervisor.options[1].textContent).toBe("赵总 · General manager (GM01)");
  for (const other of ["Acknowledge", "Mark resolved", "Verify the action was done", "Close", "Reopen"]) {
    expect(screen.queryByRole("button", { name: other })).toBeNull();
  }
  await waitFor(() => expect(container.querySelector(".timeline li")).toBeTruthy());
  expect(container.querySelector("img")).toBeNull();
  expect(container.textContent?.split(XSS).length).toBeGreaterThanOrEqual(4); // name, description, cause, history note
});
