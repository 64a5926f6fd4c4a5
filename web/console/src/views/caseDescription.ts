// Cases the services open themselves (from a survey answer or a callback) carry a description the complaints service
// writes in one fixed English grammar (services/complaints/complaints/rules.py, case_from_survey/case_from_callback).
// The console reads it back into its parts so it can say them in the reader's language; a description staff typed
// (manual and hotline cases), or one that does not follow the grammar, is shown as written.

export type Score = { code: string; score: number };

export type GeneratedDescription =
  | { source: "callback"; issue: string | null; low: Score[]; unresolved: boolean; dissatisfiedOnly: boolean }
  | { source: "survey"; channel: string; overall: string; low: Score[]; comment: string | null };

const SCORES = String.raw`[\w.-]+=\d+(?:, [\w.-]+=\d+)*`;
// The issue is the customer's own words and may hold "; ": the lazy group stops where the fixed tail matches.
const CALLBACK = new RegExp(String.raw`^(?:callback issue: ([\s\S]*?))?(?:(?:^|; )low answers: (${SCORES}))?(?:(?:^|; )(earlier issues not resolved))?$`);
const SURVEY = new RegExp(String.raw`^survey \(([\w-]+)\): overall (\w+)(?:; low items: (${SCORES}))?(?:; comment: ([\s\S]*))?$`);
const DISSATISFIED_ONLY = "the callback recorded the customer as dissatisfied";

function scores(text: string | undefined): Score[] {
  if (!text) return [];
  return text.split(", ").map((pair) => {
    const [code, score] = pair.split("=");
    return { code, score: Number(score) };
  });
}

export function readGenerated(source: string, description: string | null): GeneratedDescription | null {
  if (!description) return null;
  if (source === "callback") {
    if (description === DISSATISFIED_ONLY) return { source, issue: null, low: [], unresolved: false, dissatisfiedOnly: true };
    const m = CALLBACK.exec(description);
    if (!m || !(m[1] || m[2] || m[3])) return null;
    return { source, issue: m[1] ?? null, low: scores(m[2]), unresolved: !!m[3], dissatisfiedOnly: false };
  }
  if (source === "survey") {
    const m = SURVEY.exec(description);
    if (!m) return null;
    return { source, channel: m[1], overall: m[2], low: scores(m[3]), comment: m[4] ?? null };
  }
  return null;
}
