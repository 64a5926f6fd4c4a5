// What the complaint desk sorts by: the next deadline a case is running against.
import type { Complaint } from "../api/client";

export type Deadline = { kind: "first_response" | "resolution"; due: string } | null;

/** The SLA clock a case runs against now: the 24-hour first response until acknowledged, then resolution. */
export function nextDeadline(c: Pick<Complaint, "first_response_at" | "first_response_due" | "resolved_at" | "resolution_due" | "status">): Deadline {
  if (c.status === "closed") return null;
  if (!c.first_response_at) return { kind: "first_response", due: c.first_response_due };
  if (!c.resolved_at) return { kind: "resolution", due: c.resolution_due };
  return null;
}

/** Tie-break rank: major before normal before minor. */
const SEVERITY_RANK: Record<string, number> = { major: 0, normal: 1, minor: 2 };

/** Most urgent first: the nearest (or most overdue) deadline, major before normal before minor on a tie, cases without
 * a running clock last (oldest first). */
export function byUrgency(a: Complaint, b: Complaint): number {
  const da = nextDeadline(a);
  const db = nextDeadline(b);
  if (da && !db) return -1;
  if (!da && db) return 1;
  if (da && db) {
    const diff = new Date(da.due).getTime() - new Date(db.due).getTime();
    if (diff !== 0) return diff;
    if (a.severity !== b.severity) return (SEVERITY_RANK[a.severity] ?? 1) - (SEVERITY_RANK[b.severity] ?? 1);
  }
  return new Date(a.opened_at).getTime() - new Date(b.opened_at).getTime();
}

/** A case waits for the caller when it is still open and they may take a step on it; a closed case's only step is
 * "reopen", which is the caller's choice rather than work waiting for them, so closed cases never count. */
export function waitsForYou(c: Pick<Complaint, "status" | "allowed_actions">): boolean {
  return c.status !== "closed" && c.allowed_actions.length > 0;
}
