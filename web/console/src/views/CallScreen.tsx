// The call screen: the customer, the visit the call is about, the script with its questions, one button per outcome,
// and a complaint opened from the call. A letter proposes an outcome when no field has the focus and no text is
// selected; Enter saves it, Esc drops it, so no stray keystroke closes a call (WCAG 2.1.4).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { callbackApi, complaintApi, ok, type AttemptIn, type Callback, type Outcome, type ScriptQuestion, type Visit } from "../api/client";
import { fmtDate, fmtDateTime, localInputToIso, toLocalInput } from "../format";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, Kbd, Loading, Problem } from "../ui/bits";
import { ReasonBadge } from "./Worklist";

type Answers = Record<string, string | number | boolean>;
const OUTCOMES: { outcome: Outcome; key: string; tone: string }[] = [
  { outcome: "reached", key: "r", tone: "primary" },
  { outcome: "busy_reschedule", key: "b", tone: "" },
  { outcome: "no_answer", key: "n", tone: "" },
  { outcome: "not_owner", key: "o", tone: "" },
  { outcome: "wrong_number", key: "w", tone: "" },
  { outcome: "declined", key: "d", tone: "" },
];
export const CATEGORIES = [
  "service_quality", "service_advisor", "vehicle_pickup", "service_facility", "service_initiation",
  "price", "parts", "waiting_time", "safety", "other",
] as const;

export default function CallScreen() {
  const { id = "" } = useParams();
  const { lang } = useI18n();
  const query = useQuery({
    queryKey: ["callback", id, lang],
    queryFn: async () =>
      ok(await callbackApi.GET("/v1/callbacks/{callback_id}", { params: { path: { callback_id: id }, query: { language: lang } } })),
  });
  if (query.isPending) return <Loading />;
  if (query.error) return <Problem error={query.error} />;
  return <Call callback={query.data} />;
}

function Call({ callback }: { callback: Callback }) {
  const { t, lang } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [answers, setAnswers] = useState<Answers>({});
  const [note, setNote] = useState("");
  const [issue, setIssue] = useState("");
  const [busyOpen, setBusyOpen] = useState(false);
  const [proposed, setProposed] = useState<Outcome | null>(null);
  const [complaintOpened, setComplaintOpened] = useState<string | null>(null);
  const context = callback.context;
  const open = callback.status === "open";
  // Typed but not saved: leaving or reloading the page asks first.
  const unsaved = open && (Object.values(answers).some((v) => v !== "") || !!note.trim() || !!issue.trim());
  useLeaveWarning(unsaved);

  const record = useMutation({
    mutationFn: async (body: AttemptIn) =>
      ok(await callbackApi.POST("/v1/callbacks/{callback_id}/attempts", { params: { path: { callback_id: callback.id } }, body })),
    onSuccess: (saved) => {
      client.setQueryData(["callback", callback.id, lang], { ...saved, context: callback.context });
      void client.invalidateQueries({ queryKey: ["worklist"] });
      setBusyOpen(false);
      setAnswers({});
      setNote("");
      setIssue("");
    },
  });

  function submit(outcome: Outcome, rescheduleAt?: string) {
    const cleaned: Answers = {};
    for (const [k, v] of Object.entries(answers)) if (v !== "" && v !== undefined) cleaned[k] = v;
    record.mutate({
      outcome,
      note: note.trim() || null,
      issue: outcome === "reached" && issue.trim() ? issue.trim() : null,
      answers: outcome === "reached" && Object.keys(cleaned).length ? (cleaned as AttemptIn["answers"]) : null,
      reschedule_at: rescheduleAt ?? null,
    });
  }

  function pick(outcome: Outcome) {
    setProposed(null);
    if (outcome === "busy_reschedule") setBusyOpen(true);
    else submit(outcome);
  }

  // A letter proposes an outcome, unless the person is typing or has text selected (copying the customer's name).
  useEffect(() => {
    if (!open) return;
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest("input, textarea, select, [contenteditable]")) return;
      if (!globalThis.getSelection()?.isCollapsed) return;
      const hit = OUTCOMES.find((o) => o.key === event.key);
      if (hit && !record.isPending) {
        event.preventDefault();
        setProposed(hit.outcome);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const worklist = client.getQueryData<Callback[]>(["worklist", callback.dealer_code, "open"]) ?? [];
  const next = nextCall(worklist, callback);

  return (
    <section className="page call">
      <p>
        <Link to={`/worklist?dealer=${callback.dealer_code}`}>← {t("call.back")}</Link>
      </p>
      <div className="call-grid">
        <div className="panel customer">
          <h1>{callback.customer.name}</h1>
          <p className="phone" aria-label={t("call.phone")}>
            {callback.customer.phone ? <a href={`tel:${callback.customer.phone}`}>{callback.customer.phone}</a> : "—"}
            {callback.customer.alternate_phone ? (
              <span className="muted">
                {" "}
                · {t("call.alternate")} <a href={`tel:${callback.customer.alternate_phone}`}>{callback.customer.alternate_phone}</a>
              </span>
            ) : null}
          </p>
          <p className="tags">
            <ReasonBadge reason={callback.reason} />
            <Badge tone={open ? "info" : "ok"}>{t(`status.${callback.status}` as Key)}</Badge>
            {callback.overdue ? <Badge tone="bad">{t("worklist.overdue")}</Badge> : null}
          </p>
          <dl className="facts">
            <dt>{t("call.dealerRo")}</dt>
            <dd>
              {callback.dealer_code} · {callback.ro_number ?? "—"}
            </dd>
            <dt>{t("worklist.planned")}</dt>
            <dd>{fmtDateTime(callback.planned_at, lang)}</dd>
            <dt>{t("worklist.due")}</dt>
            <dd>{fmtDateTime(callback.due_at, lang)}</dd>
          </dl>
          {callback.note ? <p className="note">{callback.note}</p> : null}
          {context?.visit ? <VisitBox title={t("call.visit")} visit={context.visit} /> : null}
          {context?.earlier_visit ? <VisitBox title={t("call.earlierVisit")} visit={context.earlier_visit} /> : null}
          {context?.open_issues.length ? (
            <div className="box warn">
              <h2>{t("call.openIssues")}</h2>
              <ul>
                {context.open_issues.map((i) => (
                  <li key={i.callback_id}>
                    {fmtDate(i.raised_at, lang)} {i.ro_number ?? ""}: {i.issue ?? t("call.dissatisfied")}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {context?.open_complaints.length ? (
            <div className="box warn">
              <h2>{t("call.openComplaints")}</h2>
              <ul>
                {context.open_complaints.map((c) => (
                  <li key={c.complaint_id}>
                    <Link to={`/complaints/${c.complaint_id}`}>
                      {fmtDate(c.opened_at, lang)} · {t(`category.${c.category}` as Key)} · {t(`severity.${c.severity}` as Key)}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <Attempts callback={callback} />
        </div>

        <div className="panel script">
          <h2>{t("call.script")}</h2>
          {open ? (
            <form onSubmit={(e) => e.preventDefault()} className="stack" aria-label={t("call.script")}>
              <ol className="questions">
                {(context?.script ?? []).map((q) => (
                  <li key={q.code}>
                    <Question q={q} value={answers[q.code]} onChange={(v) => setAnswers({ ...answers, [q.code]: v })} />
                  </li>
                ))}
              </ol>
              <label className="field">
                <span>{t("call.issue")}</span>
                <textarea
                  value={issue}
                  maxLength={2000}
                  rows={2}
                  disabled={!!complaintOpened}
                  onChange={(e) => setIssue(e.target.value)}
                  aria-describedby="issue-hint"
                />
                <small id="issue-hint" className="muted">
                  {complaintOpened ? t("call.issueAlreadyOpened") : t("call.issueHint")}
                </small>
              </label>
              <label className="field">
                <span>{t("call.note")}</span>
                <textarea value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
              </label>
              <fieldset className="outcomes">
                <legend>{t("call.outcome")}</legend>
                {OUTCOMES.map(({ outcome, key, tone }) => (
                  <button
                    key={outcome}
                    type="button"
                    className={tone}
                    disabled={record.isPending}
                    aria-keyshortcuts={key}
                    onClick={() => pick(outcome)}
                  >
                    {t(`outcome.${outcome}` as Key)} <Kbd>{key.toUpperCase()}</Kbd>
                  </button>
                ))}
              </fieldset>
              {proposed ? <Confirm outcome={proposed} onYes={() => pick(proposed)} onNo={() => setProposed(null)} /> : null}
              {busyOpen ? <Reschedule onSave={(at) => submit("busy_reschedule", at)} onCancel={() => setBusyOpen(false)} /> : null}
              {record.error ? <Problem error={record.error} /> : null}
            </form>
          ) : (
            <p className="notice">{t("call.closed", { status: t(`status.${callback.status}` as Key) })}</p>
          )}
          {record.isSuccess ? <Saved callback={record.data} next={next?.id} onNext={(nid) => navigate(`/calls/${nid}`)} /> : null}
          <OpenComplaint callback={callback} opened={complaintOpened} onOpened={setComplaintOpened} />
        </div>
      </div>
    </section>
  );
}

/** The next call to offer, in the worklist's order: open, and another customer than this one (not the one just
 *  rescheduled, nor their other callbacks). */
export function nextCall(worklist: Callback[], current: Callback): Callback | undefined {
  const same = (c: Callback) =>
    current.customer.phone ? c.customer.phone === current.customer.phone : c.customer.name === current.customer.name;
  return worklist.find((c) => c.id !== current.id && c.status === "open" && !same(c));
}

/** Asks before the page is left (reload, close, another address) while `dirty`, and before an in-app link is followed. */
function useLeaveWarning(dirty: boolean) {
  const { t } = useI18n();
  useEffect(() => {
    if (!dirty) return;
    function beforeUnload(event: BeforeUnloadEvent) {
      event.preventDefault();
      event.returnValue = "";
    }
    function onClick(event: MouseEvent) {
      const link = (event.target as HTMLElement).closest("a[href]");
      if (!link || link.getAttribute("href")?.startsWith("tel:")) return;
      if (!globalThis.confirm(t("call.leaveUnsaved"))) {
        event.preventDefault();
        event.stopPropagation();
      }
    }
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [dirty, t]);
}

function Confirm({ outcome, onYes, onNo }: { outcome: Outcome; onYes: () => void; onNo: () => void }) {
  const { t } = useI18n();
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => yes.current?.focus(), [outcome]);
  return (
    <div
      className="box warn confirm-outcome"
      role="alertdialog"
      aria-label={t("call.confirmTitle")}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onNo();
        }
      }}
    >
      <p>{t("call.confirm", { outcome: t(`outcome.${outcome}` as Key) })}</p>
      <div className="row">
        <button ref={yes} type="button" className="primary" onClick={onYes}>
          {t("call.confirmYes")} <Kbd>Enter</Kbd>
        </button>
        <button type="button" onClick={onNo}>
          {t("cancel")} <Kbd>Esc</Kbd>
        </button>
      </div>
    </div>
  );
}

function VisitBox({ title, visit }: { title: string; visit: Visit }) {
  const { t, lang } = useI18n();
  return (
    <div className="box">
      <h2>{title}</h2>
      <dl className="facts">
        <dt>{t("call.visitDate")}</dt>
        <dd>{fmtDate(visit.visit_date, lang)}</dd>
        <dt>{t("call.ro")}</dt>
        <dd>{visit.ro_number}</dd>
        <dt>{t("call.advisor")}</dt>
        <dd>{visit.service_advisor ? `${visit.service_advisor.name} (${visit.service_advisor.id})` : "—"}</dd>
        <dt>{t("call.mileage")}</dt>
        <dd>{visit.mileage_km === null ? "—" : `${visit.mileage_km.toLocaleString(lang)} km`}</dd>
      </dl>
      <ul className="jobs">
        {visit.jobs.map((j, n) => (
          <li key={`${j.op_code}-${n}`}>
            <Badge tone="plain">{t(`job.${j.kind}` as Key)}</Badge> {j.description || j.op_code}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Question({ q, value, onChange }: { q: ScriptQuestion; value: unknown; onChange: (v: string | number | boolean) => void }) {
  const { t } = useI18n();
  const name = `q-${q.code}`;
  if (q.kind === "score") {
    return (
      <fieldset className="score" role="radiogroup">
        <legend>{q.text}</legend>
        <div className="scale">
          {Array.from({ length: 10 }, (_, n) => n + 1).map((n) => (
            <label key={n} className={n <= 4 ? "low" : undefined}>
              <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
              <span>{n}</span>
            </label>
          ))}
        </div>
      </fieldset>
    );
  }
  if (q.kind === "yes_no") {
    return (
      <fieldset className="yesno">
        <legend>{q.text}</legend>
        {[true, false].map((v) => (
          <label key={String(v)}>
            <input type="radio" name={name} checked={value === v} onChange={() => onChange(v)} /> {v ? t("yes") : t("no")}
          </label>
        ))}
      </fieldset>
    );
  }
  if (q.kind === "choice") {
    return (
      <label className="field">
        <span>{q.text}</span>
        <select value={String(value ?? "")} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          {(q.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {t(`dormant.${c}` as Key)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <label className="field">
      <span>{q.text}</span>
      <textarea rows={2} maxLength={2000} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function Reschedule({ onSave, onCancel }: { onSave: (iso: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const inTwoHours = new Date(Date.now() + 2 * 3600_000);
  inTwoHours.setMinutes(0, 0, 0);
  const [at, setAt] = useState(toLocalInput(inTwoHours));
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div className="box reschedule">
      <label className="field">
        <span>{t("call.rescheduleAt")}</span>
        <input ref={input} type="datetime-local" value={at} min={toLocalInput(new Date())} onChange={(e) => setAt(e.target.value)} />
      </label>
      <div className="row">
        <button type="button" className="primary" onClick={() => onSave(localInputToIso(at))}>
          {t("call.saveReschedule")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </div>
  );
}

function Saved({ callback, next, onNext }: { callback: Callback; next?: string; onNext: (id: string) => void }) {
  const { t, lang } = useI18n();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);
  const last = callback.attempts[callback.attempts.length - 1];
  return (
    <div className="box ok" role="status">
      <p>
        {t("call.saved", { outcome: last ? t(`outcome.${last.outcome}` as Key) : "", status: t(`status.${callback.status}` as Key) })}
        {callback.status === "open" && callback.planned_at ? ` ${t("call.nextPlanned", { at: fmtDateTime(callback.planned_at, lang) })}` : ""}
      </p>
      {next ? (
        <button ref={button} type="button" className="primary" onClick={() => onNext(next)}>
          {t("call.next")} <Kbd>Enter</Kbd>
        </button>
      ) : (
        <Link to={`/worklist?dealer=${callback.dealer_code}`}>{t("call.back")}</Link>
      )}
    </div>
  );
}

function Attempts({ callback }: { callback: Callback }) {
  const { t, lang } = useI18n();
  if (!callback.attempts.length) return null;
  return (
    <div className="box">
      <h2>{t("call.register")}</h2>
      <ul className="attempts">
        {callback.attempts.map((a, n) => (
          <li key={n}>
            <strong>{t(`outcome.${a.outcome}` as Key)}</strong> · {fmtDateTime(a.made_at, lang)} · {a.made_by}
            {a.note ? <p className="user-text">{a.note}</p> : null}
            {a.issue ? <p className="user-text">{a.issue}</p> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function OpenComplaint({ callback, opened, onOpened }: { callback: Callback; opened: string | null; onOpened: (id: string) => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [category, setCategory] = useState<string>("service_quality");
  const [severity, setSeverity] = useState<"normal" | "major">("normal");
  const [description, setDescription] = useState("");
  // One key per form: a retry after a lost answer finds the same case, not a second one.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const create = useMutation({
    mutationFn: async () => {
      const phone = callback.customer.phone && /^\+?[0-9][0-9 -]{5,19}$/.test(callback.customer.phone) ? callback.customer.phone : null;
      return ok(
        await complaintApi.POST("/v1/complaints", {
          params: { header: { "idempotency-key": idempotencyKey } },
          body: {
            dealer_code: callback.dealer_code,
            ro_number: callback.ro_number,
            channel: "phone",
            category: category as (typeof CATEGORIES)[number],
            severity,
            description,
            customer: { name: callback.customer.name, phone },
          },
        }),
      );
    },
    onSuccess: (c) => {
      onOpened(c.id);
      void client.invalidateQueries({ queryKey: ["complaints"] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  if (opened) {
    return (
      <p className="box ok" role="status">
        {t("call.complaintOpened")} <Link to={`/complaints/${opened}`}>{t("call.openCase")}</Link>
      </p>
    );
  }
  return (
    <details className="box complaint-form">
      <summary>{t("call.openComplaint")}</summary>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>{t("complaint.category")}</span>
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}` as Key)}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="yesno">
          <legend>{t("complaint.severity")}</legend>
          {(["normal", "major"] as const).map((s) => (
            <label key={s}>
              <input type="radio" name="severity" checked={severity === s} onChange={() => setSeverity(s)} /> {t(`severity.${s}` as Key)}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t("complaint.description")}</span>
          <textarea required rows={3} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !description.trim()}>
          {t("call.submitComplaint")}
        </button>
        {create.error ? <Problem error={create.error} /> : null}
      </form>
    </details>
  );
}
