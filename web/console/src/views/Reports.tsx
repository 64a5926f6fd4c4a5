// The service manager's month: callback compliance (the 100% rule) and the monthly callback report, with charts.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { callbackApi, download, ok, type MonthlyReport } from "../api/client";
import { Chart } from "../charts/Chart";
import { fmtCount, fmtPct } from "../format";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { LatestPeriod } from "../ui/LatestPeriod";
import { DealerPicker, Loading, MonthPicker, Problem, useDealer, usePeriod } from "../ui/bits";

function complianceQuery(dealer: string | undefined, month: string) {
  return {
    queryKey: ["compliance", dealer, month],
    queryFn: async () => ok(await callbackApi.GET("/v1/compliance", { params: { query: { dealer_code: dealer, month } } })),
  };
}

export default function ReportsPage() {
  const client = useQueryClient();
  const [dealer] = useDealer();
  // A month "has data" once the dealer had repair orders in it: the callbacks follow from them.
  return (
    <LatestPeriod
      key={dealer}
      name="month"
      probeKey={["compliance", dealer]}
      hasData={async (m) => !!dealer && (await client.fetchQuery(complianceQuery(dealer, m))).total.ros > 0}
    >
      <Reports />
    </LatestPeriod>
  );
}

function Reports() {
  const { t, lang } = useI18n();
  const [dealer, setDealer] = useDealer();
  const [month, setMonth] = usePeriod("month");
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const compliance = useQuery({ ...complianceQuery(dealer, month), enabled: !!dealer });
  const report = useQuery({
    queryKey: ["monthly", dealer, month],
    enabled: !!dealer,
    queryFn: async () => ok(await callbackApi.GET("/v1/reports/monthly", { params: { query: { dealer_code: dealer!, month } } })) as MonthlyReport,
  });
  const row = compliance.data?.total;
  const outcomes = useMemo(() => {
    if (!row) return null;
    const parts: [Key, number][] = [
      ["report.reachedOnTime", row.completed_on_time],
      ["report.reachedLate", row.completed - row.completed_on_time],
      ["report.declined", row.declined],
      ["report.unreachable", row.unreachable],
      ["report.overdue", row.overdue],
      ["report.openInTime", row.open - row.overdue],
    ];
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "value", name: t("report.ros"), nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "category", data: parts.map(([k]) => t(k)), inverse: true },
      series: [{ type: "bar", data: parts.map(([, v]) => v), itemStyle: { color: "#1f4e8c" }, label: { show: true, position: "right" } }],
    };
  }, [row, t]);
  const lows = report.data?.low_scoring_questions ?? [];
  const lowOption = useMemo(
    () => ({
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "value", min: 1, max: 10, name: t("report.average"), nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "category", data: lows.map((l) => t(`cbq.${l.question}` as Key)), inverse: true },
      series: [{ type: "bar", data: lows.map((l) => l.average), itemStyle: { color: "#8a5a00" }, label: { show: true, position: "right" } }],
    }),
    [lows, t],
  );
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("report.title")}</h1>
        <DealerPicker value={dealer} onChange={setDealer} />
        <MonthPicker label={t("month")} value={month} onChange={setMonth} />
        <button
          type="button"
          onClick={() =>
            download(`/api/callback-scheduler/v1/reports/monthly?${new URLSearchParams({ dealer_code: dealer ?? "", month, format: "csv" })}`, "report.csv").catch(
              setDownloadError,
            )
          }
        >
          {t("report.csv")}
        </button>
      </div>
      {downloadError ? <Problem error={downloadError} /> : null}
      {compliance.isPending ? <Loading /> : compliance.error ? <Problem error={compliance.error} /> : null}
      {row ? (
        <>
          <div className="tiles">
            <Tile label={t("report.coverage")} value={fmtPct(row.coverage_pct)} sub={t("report.target", { n: compliance.data!.target_coverage_pct })} />
            <Tile label={t("report.onTime")} value={fmtPct(row.completed_within_5_days_pct)} sub={t("report.onTimeHint")} />
            <Tile label={t("report.ros")} value={fmtCount(row.ros, lang)} sub={t("report.created", { n: row.callbacks_created })} />
            <Tile label={t("report.overdue")} value={fmtCount(row.overdue, lang)} sub={t("report.open", { n: row.open })} />
          </div>
          <div className="two">
            <div className="panel">
              <h2>{t("report.outcomes")}</h2>
              {outcomes ? <Chart option={outcomes} label={t("report.outcomesLabel", { reached: row.completed, ros: row.ros })} /> : null}
            </div>
            <div className="panel">
              <h2>{t("report.lowQuestions")}</h2>
              {lows.length ? <Chart option={lowOption} label={t("report.lowLabel", { n: lows.length })} /> : <p className="empty">{t("report.noAnswers")}</p>}
            </div>
          </div>
        </>
      ) : null}
      {report.data ? (
        <div className="two">
          <div className="panel">
            <h2>{t("report.monthly")}</h2>
            <dl className="facts">
              <dt>{t("report.made")}</dt>
              <dd>{fmtCount(report.data.callbacks_made, lang)}</dd>
              <dt>{t("report.reached")}</dt>
              <dd>{fmtCount(report.data.reached, lang)}</dd>
              <dt>{t("report.issues")}</dt>
              <dd>{fmtCount(report.data.issues_raised, lang)}</dd>
              <dt>{t("report.dissatisfied")}</dt>
              <dd>{fmtCount(report.data.dissatisfied_callbacks, lang)}</dd>
              <dt>{t("report.complaintsOpened")}</dt>
              <dd>{fmtCount(report.data.complaints_opened, lang)}</dd>
              {Object.entries(report.data.special_callbacks).map(([reason, n]) => (
                <FactPair key={reason} label={t(`reason.${reason}` as Key)} value={fmtCount(n, lang)} />
              ))}
            </dl>
          </div>
          <div className="panel">
            <h2>{t("report.cras")}</h2>
            {report.data.cras.length === 0 ? (
              <p className="empty">{t("report.noCalls")}</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">{t("report.person")}</th>
                    <th scope="col" className="num">
                      {t("report.calls")}
                    </th>
                    <th scope="col" className="num">
                      {t("report.reached")}
                    </th>
                    <th scope="col" className="num">
                      {t("report.reachRate")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.data.cras.map((c) => (
                    <tr key={c.made_by}>
                      <th scope="row">{c.made_by}</th>
                      <td className="num">{c.attempts}</td>
                      <td className="num">{c.reached}</td>
                      <td className="num">{fmtPct(c.reach_rate_pct)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
      ) : report.error ? (
        <Problem error={report.error} />
      ) : null}
    </section>
  );
}

function FactPair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

export function Tile({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="tile">
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub ? <div className="tile-sub">{sub}</div> : null}
    </div>
  );
}
