// The survey centre's day: the month's customers who have not answered their link (the service's list, numbers in
// full: calling is the job), and the phone interview of one of them with the questionnaire the page asks, recorded
// as the customer's answers (channel survey_center).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { ok, surveyApi, type Questionnaire } from "../api/client";
import { addMonths, fmtDate, fmtDateTime, monthOf } from "../format";
import { useI18n } from "../i18n";
import { Badge, Loading, MonthPicker, Problem, usePeriod } from "../ui/bits";
import { useQuestionnaire } from "./data";

type Call = { dealer_code: string; dealer_name: string; ro_number: string; customer_name: string; phone: string; visit_date: string; link_opened: boolean };

/** The month whose calls are open now: month N is called from the 16th of N to the 15th of N+1. */
export function callingMonth(today: Date): string {
  const month = monthOf(today);
  return today.getDate() >= 16 ? month : addMonths(month, -1);
}

export default function SurveyCenter() {
  const { t, lang } = useI18n();
  // Opens on the month being called now, not the calendar month (whose calls start on the 16th).
  const [asked, setMonth] = usePeriod("month");
  const month = useSearchParams()[0].has("month") ? asked : callingMonth(new Date());
  const [calling, setCalling] = useState<Call | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const calls = useQuery({
    queryKey: ["survey-center-calls", month],
    queryFn: async () => ok(await surveyApi.GET("/v1/survey-center/calls", { params: { query: { month, limit: 500 } } })),
  });
  const list = calls.data;
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("sc.title")}</h1>
        <MonthPicker value={month} onChange={setMonth} label={t("month")} />
      </div>
      {calls.isPending ? <Loading /> : calls.error ? <Problem error={calls.error} /> : null}
      {list ? (
        <>
          <p className="summary">
            {t("sc.summary", { n: list.items.length, month })}{" "}
            {list.open ? (
              <Badge tone="ok">{t("sc.windowOpen", { to: fmtDateTime(list.window_closes, lang) })}</Badge>
            ) : (
              <Badge tone="warn">
                {t("sc.windowShut", { from: fmtDateTime(list.window_opens, lang), to: fmtDateTime(list.window_closes, lang) })}
              </Badge>
            )}
          </p>
          {saved ? (
            <p className="box ok" role="status">
              {t("sc.saved", { ro: saved })}
            </p>
          ) : null}
          {calling ? (
            <Interview
              call={calling}
              onCancel={() => setCalling(null)}
              onSaved={(ro) => {
                setCalling(null);
                setSaved(ro);
              }}
            />
          ) : null}
          {list.items.length === 0 ? (
            <p className="empty">{t("sc.empty")}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t("sc.title")}>
              <table className="grid sc-calls">
                <thead>
                  <tr>
                    <th scope="col">{t("dealer")}</th>
                    <th scope="col">{t("call.ro")}</th>
                    <th scope="col">{t("sc.customer")}</th>
                    <th scope="col">{t("call.phone")}</th>
                    <th scope="col">{t("call.visitDate")}</th>
                    <th scope="col">{t("sc.link")}</th>
                    <th scope="col">
                      <span className="sr-only">{t("sc.interview")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((c) => (
                    <tr key={`${c.dealer_code}/${c.ro_number}`} className={calling?.ro_number === c.ro_number ? "selected" : undefined}>
                      <td>
                        {c.dealer_code} <span className="muted">{c.dealer_name}</span>
                      </td>
                      <td>{c.ro_number}</td>
                      <th scope="row">{c.customer_name}</th>
                      <td>
                        <a href={`tel:${c.phone}`}>{c.phone}</a>
                      </td>
                      <td>{fmtDate(c.visit_date, lang)}</td>
                      <td>{c.link_opened ? t("sc.opened") : t("sc.notOpened")}</td>
                      <td>
                        <button
                          type="button"
                          disabled={!list.open}
                          onClick={() => {
                            setSaved(null);
                            setCalling(c);
                          }}
                        >
                          {t("sc.interview")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}

type Scores = Record<string, number | "na" | undefined>;

function Interview({ call, onCancel, onSaved }: { call: Call; onCancel: () => void; onSaved: (ro: string) => void }) {
  const { t, lang } = useI18n();
  const client = useQueryClient();
  const questionnaire = useQuestionnaire();
  const [scores, setScores] = useState<Scores>({});
  const [comment, setComment] = useState("");
  const save = useMutation({
    mutationFn: async (q: Questionnaire) => {
      const answers = q.items.map((i) => ({ item: i.code, score: scores[i.code] === "na" ? null : (scores[i.code] as number) }));
      const outcome = (code: string) => (typeof scores[code] === "number" ? (scores[code] as number) : null);
      return ok(
        await surveyApi.POST("/v1/survey-responses", {
          body: {
            dealer_code: call.dealer_code,
            ro_number: call.ro_number,
            channel: "survey_center",
            answers,
            overall: outcome("overall")!,
            recommend: outcome("recommend")!,
            return_intent: outcome("return_intent"),
            comment: comment.trim() || null,
          },
        }),
      );
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["survey-center-calls"] });
      onSaved(call.ro_number);
    },
  });
  if (questionnaire.isPending) return <Loading />;
  if (questionnaire.error) return <Problem error={questionnaire.error} />;
  const q = questionnaire.data;
  // The same rules as the survey page: every item answered (N/A only where the item allows it), the required outcomes.
  const questions = [
    ...q.items.map((i) => ({ code: i.code, text: i.text[lang], na: i.na_allowed, required: true })),
    ...q.outcomes.map((o) => ({ code: o.code, text: o.text[lang], na: false, required: o.required ?? true })),
  ];
  const missing = questions.filter((x) => x.required && scores[x.code] === undefined).length;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!missing) save.mutate(q);
  }
  return (
    <form className="panel stack interview" onSubmit={submit} aria-label={t("sc.interviewOf", { name: call.customer_name })}>
      <h2>{t("sc.interviewOf", { name: call.customer_name })}</h2>
      <p>
        {call.dealer_name} · {call.ro_number} · <a href={`tel:${call.phone}`}>{call.phone}</a>
      </p>
      <ol className="questions">
        {questions.map((x) => (
          <li key={x.code}>
            <fieldset className="score">
              <legend>{x.text}</legend>
              <div className="scale">
                {Array.from({ length: 10 }, (_, n) => n + 1).map((n) => (
                  <label key={n} className={n <= 4 ? "low" : undefined}>
                    <input type="radio" name={`sc-${x.code}`} value={n} checked={scores[x.code] === n} onChange={() => setScores((s) => ({ ...s, [x.code]: n }))} />
                    <span>{n}</span>
                  </label>
                ))}
                {x.na ? (
                  <label>
                    <input type="radio" name={`sc-${x.code}`} value="na" checked={scores[x.code] === "na"} onChange={() => setScores((s) => ({ ...s, [x.code]: "na" }))} />
                    <span>{t("sc.na")}</span>
                  </label>
                ) : null}
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <label className="field">
        <span>{t("sc.comment")}</span>
        <textarea rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <p className="muted" aria-live="polite">
        {missing ? t("sc.missing", { n: missing }) : t("sc.complete")}
      </p>
      <div className="row">
        <button type="submit" className="primary" disabled={!!missing || save.isPending}>
          {t("sc.save")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
      {save.error ? <Problem error={save.error} /> : null}
    </form>
  );
}
