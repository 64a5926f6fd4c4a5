// One typed client per service, all through the console's own origin: /api/<service>/… (see csi_dev.console).
import createClient, { type Middleware } from "openapi-fetch";
import { getToken, signOut } from "../auth/session";
import { currentLang } from "../i18n";
import type { paths as CallbackPaths, components as CallbackSchemas } from "./callback-scheduler";
import type { paths as ComplaintPaths, components as ComplaintSchemas } from "./complaints";
import type { paths as ScoringPaths, components as ScoringSchemas } from "./scoring";
import type { paths as SurveyPaths, components as SurveySchemas } from "./survey-api";

export type Callback = CallbackSchemas["schemas"]["CallbackOut"];
export type CallbackPage = CallbackSchemas["schemas"]["CallbackPage"];
export type ScriptQuestion = CallbackSchemas["schemas"]["ScriptQuestion"];
export type Visit = CallbackSchemas["schemas"]["VisitOut"];
export type AttemptIn = CallbackSchemas["schemas"]["AttemptIn"];
export type Outcome = CallbackSchemas["schemas"]["CallbackOutcome"];
export type DataFixTask = CallbackSchemas["schemas"]["DataFixTaskOut"];
export type Compliance = CallbackSchemas["schemas"]["Compliance"];
export type MonthlyReport = CallbackSchemas["schemas"]["MonthlyReport"];
export type Complaint = ComplaintSchemas["schemas"]["ComplaintOut"];
export type ComplaintIn = ComplaintSchemas["schemas"]["ComplaintIn"];
export type HistoryEntry = ComplaintSchemas["schemas"]["HistoryOut"];
export type Action = ComplaintSchemas["schemas"]["Action"];
export type StepIn = ComplaintSchemas["schemas"]["StepIn"];
export type ComplaintReport = ComplaintSchemas["schemas"]["ComplaintReport"];
export type Card = ScoringSchemas["schemas"]["Card"];
export type Trend = ScoringSchemas["schemas"]["Trend"];
export type Ranking = ScoringSchemas["schemas"]["Ranking"];
export type RankingEntry = ScoringSchemas["schemas"]["RankingEntry"];
export type Breakdown = ScoringSchemas["schemas"]["Breakdown"];
export type Questionnaire = SurveySchemas["schemas"]["Questionnaire"];

/** A problem+json answer (RFC 9457) as an error: `detail` is written for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; code?: string; errors?: { field: string; reason: string }[] } | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    request.headers.set("Accept-Language", currentLang());
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) signOut("expired");
    return response;
  },
};

function client<Paths extends {}>(service: string) {
  // fetch looked up at each call, so tests can stand in for the network.
  const c = createClient<Paths>({ baseUrl: `${globalThis.location?.origin ?? ""}/api/${service}`, fetch: (r) => globalThis.fetch(r) });
  c.use(auth);
  return c;
}

export const surveyApi = client<SurveyPaths>("survey-api");
export const callbackApi = client<CallbackPaths>("callback-scheduler");
export const scoringApi = client<ScoringPaths>("scoring");
export const complaintApi = client<ComplaintPaths>("complaints");

/** The data of an answer, or an ApiError. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.data === undefined) {
    throw new ApiError(result.response.status, result.error as ApiError["problem"]);
  }
  return result.data;
}

/** A file answer (CSV, XLSX) downloaded with the bearer token, which a plain link could not carry. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${getToken() ?? ""}` } });
  if (!response.ok) {
    const problem = await response.json().catch(() => undefined);
    throw new ApiError(response.status, problem);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
