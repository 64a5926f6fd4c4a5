// The privacy officer's screen: a person's consents by phone number or VIN (what holds now, then every record), their
// erasure everywhere with each service's progress, and who was shown customers' full numbers, unusual readers first.
// A phone number goes in a POST body, never a URL (survey-api's /v1/privacy).
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ok, surveyApi } from "../api/client";
import { fmtDateTime } from "../format";
import { labelOf, useI18n } from "../i18n";
import { Badge, Loading, Problem } from "../ui/bits";

type Person = { phone: string } | { vin: string };

export default function Privacy() {
  const { t } = useI18n();
  const [kind, setKind] = useState<"phone" | "vin">("phone");
  const [value, setValue] = useState("");
  const [person, setPerson] = useState<Person | null>(null);
  function find(event: FormEvent) {
    event.preventDefault();
    const v = value.trim();
    if (v) setPerson(kind === "phone" ? { phone: v } : { vin: v });
  }
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("privacy.title")}</h1>
      </div>
      <form className="row privacy-find" onSubmit={find} aria-label={t("privacy.find")}>
        <label className="field inline">
          <span>{t("privacy.by")}</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as "phone" | "vin")}>
            <option value="phone">{t("privacy.phone")}</option>
            <option value="vin">VIN</option>
          </select>
        </label>
        <label className="field inline">
          <span>{kind === "phone" ? t("privacy.phone") : "VIN"}</span>
          <input value={value} required maxLength={kind === "phone" ? 32 : 17} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          {t("privacy.find")}
        </button>
      </form>
      {person ? (
        <>
          <ConsentHistory key={JSON.stringify(person)} person={person} />
          <Erasure key={`e-${JSON.stringify(person)}`} person={person} />
        </>
      ) : null}
      <PhoneReads />
    </section>
  );
}

function ConsentHistory({ person }: { person: Person }) {
  const { t, lang } = useI18n();
  const history = useQuery({
    queryKey: ["consent-history", person],
    queryFn: async () => ok(await surveyApi.POST("/v1/privacy/consent-history", { body: person })),
  });
  return (
    <div className="privacy-section">
      <h2>{t("privacy.consents")}</h2>
      {history.isPending ? <Loading /> : history.error ? <Problem error={history.error} /> : null}
      {history.data ? (
        history.data.history.length === 0 ? (
          <p className="empty">{t("privacy.noConsents")}</p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label={t("privacy.consents")}>
            <table className="grid consents">
              <thead>
                <tr>
                  <th scope="col">{t("privacy.kind")}</th>
                  <th scope="col">{t("privacy.granted")}</th>
                  <th scope="col">{t("dealer")}</th>
                  <th scope="col">{t("privacy.source")}</th>
                  <th scope="col">{t("privacy.givenAt")}</th>
                  <th scope="col">{t("privacy.holds")}</th>
                </tr>
              </thead>
              <tbody>
                {history.data.history.map((c, n) => {
                  const current = Object.values(history.data.current).some((h) => h.recorded_at === c.recorded_at && h.kind === c.kind && h.dealer_code === c.dealer_code);
                  return (
                    <tr key={n}>
                      <td>{labelOf(t, "consent", c.kind)}</td>
                      <td>{c.granted ? t("yes") : t("no")}</td>
                      <td>{c.dealer_code ?? t("privacy.brandWide")}</td>
                      <td>{labelOf(t, "source", c.source)}</td>
                      <td>{fmtDateTime(c.given_at, lang)}</td>
                      <td>{current ? <Badge tone="info">{t("privacy.now")}</Badge> : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </div>
  );
}

function Erasure({ person }: { person: Person }) {
  const { t, lang } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const erase = useMutation({
    mutationFn: async () => ok(await surveyApi.POST("/v1/privacy/erasure-requests", { body: person })),
  });
  const id = erase.data?.id;
  // Each service erases on its own consumer: the progress is asked again until every part is done.
  const progress = useQuery({
    queryKey: ["erasure", id],
    enabled: !!id,
    refetchInterval: (q) => (q.state.data?.status === "completed" ? false : 2000),
    queryFn: async () => ok(await surveyApi.GET("/v1/privacy/erasure-requests/{request_id}", { params: { path: { request_id: id! } } })),
  });
  const shown = progress.data ?? erase.data;
  return (
    <div className="privacy-section">
      <h2>{t("privacy.erasure")}</h2>
      {!shown ? (
        confirming ? (
          <div className="box warn">
            <p>{t("privacy.eraseConfirm")}</p>
            <div className="row">
              <button type="button" className="primary" disabled={erase.isPending} onClick={() => erase.mutate()}>
                {t("privacy.eraseYes")}
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                {t("cancel")}
              </button>
            </div>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            {t("privacy.erase")}
          </button>
        )
      ) : (
        <div className="box" role="status">
          <p>
            {t("privacy.erasureOf", { ros: shown.ros, customers: shown.customers })}{" "}
            <Badge tone={shown.status === "completed" ? "ok" : "info"}>{labelOf(t, "erasure", shown.status)}</Badge>
          </p>
          <ul>
            {shown.services.map((s) => (
              <li key={s.service}>
                {s.service}: {labelOf(t, "erasure", s.status)}
                {s.completed_at ? ` · ${fmtDateTime(s.completed_at, lang)}` : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
      {erase.error ? <Problem error={erase.error} /> : null}
    </div>
  );
}

function PhoneReads() {
  const { t, lang } = useI18n();
  const [days, setDays] = useState(30);
  const reads = useQuery({
    queryKey: ["phone-reads", days],
    queryFn: async () => {
      const to = new Date();
      const from = new Date(to.getTime() - days * 86400_000);
      return ok(await surveyApi.GET("/v1/privacy/phone-reads", { params: { query: { from: from.toISOString(), to: to.toISOString(), limit: 1 } } }));
    },
  });
  // The unusual readers first, then the most customers read.
  const readers = [...(reads.data?.readers ?? [])].sort((a, b) => Number(b.unusual) - Number(a.unusual) || b.customers - a.customers);
  return (
    <div className="privacy-section">
      <div className="page-head">
        <h2>{t("privacy.reads")}</h2>
        <label className="field inline">
          <span>{t("privacy.lastDays")}</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90].map((d) => (
              <option key={d} value={d}>
                {t("privacy.days", { n: d })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {reads.isPending ? <Loading /> : reads.error ? <Problem error={reads.error} /> : null}
      {reads.data ? (
        readers.length === 0 ? (
          <p className="empty">{t("privacy.noReads")}</p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label={t("privacy.reads")}>
            <table className="grid readers">
              <thead>
                <tr>
                  <th scope="col">{t("privacy.reader")}</th>
                  <th scope="col">{t("signIn.role")}</th>
                  <th scope="col">{t("dealer")}</th>
                  <th scope="col" className="num">
                    {t("privacy.readCount")}
                  </th>
                  <th scope="col" className="num">
                    {t("privacy.customers")}
                  </th>
                  <th scope="col" className="num">
                    {t("privacy.called")}
                  </th>
                  <th scope="col">
                    <span className="sr-only">{t("privacy.unusual")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {readers.map((r) => (
                  <tr key={`${r.reader}/${r.dealer_code}/${r.role}`}>
                    <th scope="row">{r.reader}</th>
                    <td>{labelOf(t, "role", r.role)}</td>
                    <td>{r.dealer_code}</td>
                    <td className="num">{r.reads.toLocaleString(lang)}</td>
                    <td className="num">{r.customers.toLocaleString(lang)}</td>
                    <td className="num">{r.customers_called.toLocaleString(lang)}</td>
                    <td>{r.unusual ? <Badge tone="bad">{t("privacy.unusual")}</Badge> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </div>
  );
}
