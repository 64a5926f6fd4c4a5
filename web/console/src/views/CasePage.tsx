// One complaint case: its facts, its timeline, and only the steps `allowed_actions` says the caller may take now.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { complaintApi, ok, surveyApi, type Action, type Complaint, type StepIn } from "../api/client";
import { fmtDateTime } from "../format";
import { labelOf, useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, Countdown, Loading, Problem } from "../ui/bits";
import { CaseDescription, HistoryNote } from "./CaseDescription";

/** The fields each step asks for; the service requires the ones marked. */
const FIELDS: Partial<Record<Action, { name: keyof StepIn; required: boolean }[]>> = {
  propose_action: [
    { name: "cause", required: true },
    { name: "corrective_action", required: true },
    { name: "preventive_action", required: true },
  ],
  approve_action: [{ name: "supervisor", required: true }],
  reopen: [{ name: "note", required: true }],
  settle_minor: [{ name: "note", required: true }], // the response given to the customer
  close_no_contact: [{ name: "note", required: true }], // why it closes unanswered
};

export default function CasePage() {
  const { id = "" } = useParams();
  const { t, lang } = useI18n();
  const complaint = useQuery({
    queryKey: ["complaint", id],
    queryFn: async () => ok(await complaintApi.GET("/v1/complaints/{complaint_id}", { params: { path: { complaint_id: id } } })),
  });
  const history = useQuery({
    queryKey: ["complaint", id, "history"],
    queryFn: async () => ok(await complaintApi.GET("/v1/complaints/{complaint_id}/history", { params: { path: { complaint_id: id } } })),
  });
  if (complaint.isPending) return <Loading />;
  if (complaint.error) return <Problem error={complaint.error} />;
  const c = complaint.data;
  return (
    <section className="page case">
      <p>
        <Link to={`/complaints?dealer=${c.dealer_code}`}>← {t("case.back")}</Link>
      </p>
      <div className="page-head">
        <h1>
          {t(`category.${c.category}` as Key)} · {c.customer.name ?? t("case.customer")}
        </h1>
        <Badge tone="info">{t(`cstatus.${c.status}` as Key)}</Badge>
        {c.severity === "major" ? <Badge tone="bad">{t("severity.major")}</Badge> : null}
        {c.severity === "minor" ? <Badge tone="plain">{t("severity.minor")}</Badge> : null}
      </div>
      <div className="case-grid">
        <div className="panel">
          <Facts c={c} />
          {c.description ? (
            <>
              <h2>{t("complaint.description")}</h2>
              <CaseDescription source={c.source} description={c.description} />
            </>
          ) : null}
          {c.cause || c.corrective_action || c.preventive_action ? (
            <dl className="facts wide">
              <dt>{t("field.cause")}</dt>
              <dd className="user-text">{c.cause ?? "—"}</dd>
              <dt>{t("field.corrective_action")}</dt>
              <dd className="user-text">{c.corrective_action ?? "—"}</dd>
              <dt>{t("field.preventive_action")}</dt>
              <dd className="user-text">{c.preventive_action ?? "—"}</dd>
              <dt>{t("field.supervisor")}</dt>
              <dd>{c.supervisor ?? "—"}</dd>
            </dl>
          ) : null}
          <h2>{t("case.timeline")}</h2>
          {history.isPending ? <Loading /> : history.error ? <Problem error={history.error} /> : null}
          <ol className="timeline">
            {(history.data ?? []).map((h, n) => (
              <li key={n}>
                <strong>{labelOf(t, "action", h.action)}</strong> → {labelOf(t, "cstatus", h.to_status)}
                <br />
                <small className="muted">
                  {fmtDateTime(h.at, lang)} · {h.actor} ({labelOf(t, h.action === "open" ? "source" : "role", h.role)})
                </small>
                {h.note ? <HistoryNote action={h.action} source={c.source} note={h.note} /> : null}
              </li>
            ))}
          </ol>
        </div>
        <div className="panel">
          <h2>{t("case.actions")}</h2>
          {c.allowed_actions.length === 0 ? <p className="muted">{t("case.noActions")}</p> : null}
          {c.allowed_actions.map((a) => (
            <Step key={`${c.status}-${a}`} complaint={c} action={a} />
          ))}
        </div>
      </div>
    </section>
  );
}

function Facts({ c }: { c: Complaint }) {
  const { t, lang } = useI18n();
  return (
    <dl className="facts">
      <dt>{t("case.dealerRo")}</dt>
      <dd>
        {c.dealer_code} · {c.ro_number ?? "—"}
      </dd>
      <dt>{t("case.source")}</dt>
      <dd>
        {t(`source.${c.source}` as Key)}
        {c.channel ? ` · ${labelOf(t, "channel", c.channel)}` : ""}
      </dd>
      <dt>{t("case.phone")}</dt>
      <dd>{c.customer.phone ?? "—"}</dd>
      <dt>{t("case.opened")}</dt>
      <dd>{fmtDateTime(c.opened_at, lang)}</dd>
      <dt>{t("sla.first_response")}</dt>
      <dd>
        {c.first_response_at ? fmtDateTime(c.first_response_at, lang) : <Countdown due={c.first_response_due} />}
      </dd>
      <dt>{t("sla.resolution")}</dt>
      <dd>{c.resolved_at ? fmtDateTime(c.resolved_at, lang) : <Countdown due={c.resolution_due} />}</dd>
      {c.verified_at ? (
        <>
          <dt>{t("case.verified")}</dt>
          <dd>
            {fmtDateTime(c.verified_at, lang)} · {c.verified_by}
          </dd>
        </>
      ) : null}
      {c.contact ? (
        <>
          <dt>{t("case.contact")}</dt>
          <dd>
            {c.contact.consent ? t("yes") : t("no")}
            {c.contact.preferred_time ? ` · ${c.contact.preferred_time.from}–${c.contact.preferred_time.to}` : ""}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function Step({ complaint, action }: { complaint: Complaint; action: Action }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fields = FIELDS[action] ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [open, setOpen] = useState(false);
  const step = useMutation({
    mutationFn: async () => {
      const body: StepIn = { action };
      for (const [k, v] of Object.entries(values)) if (v.trim()) (body as Record<string, string>)[k] = v.trim();
      return ok(await complaintApi.POST("/v1/complaints/{complaint_id}/transitions", { params: { path: { complaint_id: complaint.id } }, body }));
    },
    onSuccess: (next) => {
      client.setQueryData(["complaint", complaint.id], next);
      void client.invalidateQueries({ queryKey: ["complaint", complaint.id, "history"] });
      void client.invalidateQueries({ queryKey: ["complaints"] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    step.mutate();
  }
  const id = `step-${action}`;
  return (
    <form className={`step box${open ? " open" : ""}`} onSubmit={submit} aria-labelledby={id}>
      <h3 id={id}>{t(`action.${action}` as Key)}</h3>
      <p className="muted">{t(`actionHelp.${action}` as Key)}</p>
      {open || fields.length ? (
        <>
          {fields.map(({ name, required }) => (
            <label className="field" key={name}>
              <span>
                {t(`field.${name}` as Key)}
                {required ? " *" : ""}
              </span>
              {name === "supervisor" ? (
                <SupervisorPicker dealer={complaint.dealer_code} required={required} value={values[name] ?? ""} onChange={(v) => setValues({ ...values, [name]: v })} />
              ) : (
                <textarea required={required} rows={2} maxLength={2000} value={values[name] ?? ""} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
              )}
            </label>
          ))}
          {fields.some((f) => f.name === "note") ? null : (
            <label className="field">
              <span>{t("field.note")}</span>
              <textarea rows={2} maxLength={4000} value={values.note ?? ""} onChange={(e) => setValues({ ...values, note: e.target.value })} />
            </label>
          )}
        </>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={step.isPending}>
          {t(`action.${action}` as Key)}
        </button>
        {!open && !fields.length ? (
          <button type="button" className="link" onClick={() => setOpen(true)}>
            {t("case.addNote")}
          </button>
        ) : null}
      </div>
      {step.error ? <Problem error={step.error} /> : null}
    </form>
  );
}

/** The supervisor is picked from the dealer's staff directory (their id is what the complaint records, and what lets
 * them verify the action later); a dealer whose directory is empty or unreadable still gets a field to type the id. */
function SupervisorPicker({ dealer, required, value, onChange }: { dealer: string; required: boolean; value: string; onChange: (v: string) => void }) {
  const { t } = useI18n();
  const directory = useQuery({
    queryKey: ["staff", dealer],
    staleTime: 300_000,
    queryFn: async () => ok(await surveyApi.GET("/v1/dealers/{dealer_code}/staff", { params: { path: { dealer_code: dealer } } })),
  });
  const people = (directory.data ?? []).filter((p) => p.active && p.role !== "oem_region");
  if (directory.isPending) return <Loading />;
  if (people.length === 0) return <input required={required} maxLength={100} value={value} onChange={(e) => onChange(e.target.value)} />;
  return (
    <select required={required} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t("case.pickSupervisor")}</option>
      {people.map((p) => (
        <option key={p.staff_id} value={p.staff_id}>
          {p.name} · {labelOf(t, "role", p.role)} ({p.staff_id})
        </option>
      ))}
    </select>
  );
}
