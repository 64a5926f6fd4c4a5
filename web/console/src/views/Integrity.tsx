// Head office: dealers by integrity risk for a month (GET /v1/integrity), each flagged signal with its plain sentence,
// and the review mark an OEM analyst sets or clears (audited by scoring).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ok, scoringApi } from "../api/client";
import type { components } from "../api/scoring";
import { regionLabel, useI18n } from "../i18n";
import { LatestPeriod } from "../ui/LatestPeriod";
import { Badge, Loading, MonthPicker, Problem, usePeriod } from "../ui/bits";
import { signalName, signalText } from "./signalText";

type DealerIntegrity = components["schemas"]["DealerIntegrity"];

const SHOWN = 100;

function DealerRow({ d, period }: { d: DealerIntegrity; period: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const review = useMutation({
    mutationFn: async (under: boolean) =>
      ok(
        await scoringApi.PUT("/v1/integrity/dealers/{dealer_code}/review", {
          params: { path: { dealer_code: d.dealer_code }, query: { period } },
          body: { under_review: under, reason: reason || (under ? t("integrity.defaultReason") : t("integrity.cleared")) },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["integrity", period] }),
  });
  const flagged = d.signals.filter((s) => s.flagged);
  return (
    <li className="panel">
      <h2>
        <Link to={`/dealers/${d.dealer_code}/csi?period=${period}`} className="code">
          {d.dealer_code}
        </Link>{" "}
        {d.dealer_name} <small className="muted">{regionLabel(t, d.region)}</small>{" "}
        {d.under_review ? <Badge tone="warn">{t("integrity.underReview")}</Badge> : null}
      </h2>
      <p>
        {t("integrity.risk")} <strong>{d.risk.toFixed(1)}</strong> · {t("integrity.answers", { n: d.responses })}
        {d.excluded_responses ? ` · ${t("integrity.excluded", { n: d.excluded_responses })}` : ""}
      </p>
      <ul>
        {flagged.map((s) => (
          <li key={s.code}>
            {/* Said from the signal's code and figures in the reader's language; rendered as text, never markup. */}
            <strong>{signalName(t, s.code)}</strong> ({t("integrity.part", { n: s.part.toFixed(1) })}): {signalText(t, s)}
          </li>
        ))}
      </ul>
      <label>
        {t("integrity.reason")}
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
      </label>{" "}
      <button type="button" onClick={() => review.mutate(!d.under_review)} disabled={review.isPending}>
        {d.under_review ? t("integrity.clear") : t("integrity.mark")}
      </button>
      {review.error ? <Problem error={review.error} /> : null}
    </li>
  );
}

function integrityQuery(period: string) {
  return {
    queryKey: ["integrity", period],
    queryFn: async () => ok(await scoringApi.GET("/v1/integrity", { params: { query: { period } } })),
  };
}

export default function IntegrityPage() {
  const client = useQueryClient();
  return (
    <LatestPeriod probeKey={["integrity"]} hasData={async (p) => (await client.fetchQuery(integrityQuery(p))).dealers.some((d) => d.responses > 0)}>
      <Integrity />
    </LatestPeriod>
  );
}

function Integrity() {
  const { t } = useI18n();
  const [period, setPeriod] = usePeriod();
  const report = useQuery(integrityQuery(period));
  const risky = (report.data?.dealers ?? []).filter((d) => d.flagged.length > 0);
  const quiet = (report.data?.dealers.length ?? 0) - risky.length;
  const shown = risky.slice(0, SHOWN); // riskiest first: the rest wait for the next page of work
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("integrity.title")}</h1>
        <MonthPicker label={t("month")} value={period} onChange={setPeriod} />
      </div>
      {report.isPending ? <Loading /> : report.error ? <Problem error={report.error} /> : null}
      {report.data ? (
        <>
          <p className="summary">{t("integrity.summary", { flagged: risky.length, quiet })}</p>
          <ol className="plain">
            {shown.map((d) => (
              <DealerRow key={d.dealer_code} d={d} period={period} />
            ))}
          </ol>
          {risky.length > shown.length ? <p className="muted">{t("integrity.more", { n: risky.length - shown.length })}</p> : null}
        </>
      ) : null}
    </section>
  );
}
