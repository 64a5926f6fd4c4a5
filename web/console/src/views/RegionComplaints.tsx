// Head office: complaints still open, by region and by dealer, for the month's cases.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link } from "react-router";
import { complaintApi, ok } from "../api/client";
import { Chart } from "../charts/Chart";
import { fmtPct } from "../format";
import { regionLabel, useI18n } from "../i18n";
import { LatestPeriod } from "../ui/LatestPeriod";
import { Loading, MonthPicker, Problem, usePeriod } from "../ui/bits";
import { allEntries, useRanking } from "./data";

function reportQuery(month: string) {
  return {
    queryKey: ["complaint-report", month],
    queryFn: async () => ok(await complaintApi.GET("/v1/complaints/report", { params: { query: { month } } })),
  };
}

export default function RegionComplaintsPage() {
  const client = useQueryClient();
  return (
    <LatestPeriod name="month" probeKey={["complaint-report"]} hasData={async (m) => (await client.fetchQuery(reportQuery(m))).dealers.length > 0}>
      <RegionComplaints />
    </LatestPeriod>
  );
}

function RegionComplaints() {
  const { t } = useI18n();
  const [month, setMonth] = usePeriod("month");
  const report = useQuery(reportQuery(month));
  // The complaints service knows dealers by code; their regions come with the ranking.
  const ranking = useRanking(month);
  const regionOf = useMemo(() => new Map((ranking.data ? allEntries(ranking.data) : []).map((e) => [e.dealer_code, e.region ?? "—"])), [ranking.data]);
  const byRegion = useMemo(() => {
    const out = new Map<string, { open: number; opened: number; major: number }>();
    for (const d of report.data?.dealers ?? []) {
      const region = regionOf.get(d.dealer_code) ?? "—";
      const row = out.get(region) ?? { open: 0, opened: 0, major: 0 };
      row.open += d.open;
      row.opened += d.opened;
      row.major += d.major;
      out.set(region, row);
    }
    return [...out.entries()].sort((a, b) => b[1].open - a[1].open);
  }, [report.data, regionOf]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      xAxis: { type: "category", data: byRegion.map(([r]) => r) },
      yAxis: { type: "value" },
      series: [
        { name: t("oemc.open"), type: "bar", data: byRegion.map(([, v]) => v.open), itemStyle: { color: "#b3261e" } },
        { name: t("oemc.opened"), type: "bar", data: byRegion.map(([, v]) => v.opened), itemStyle: { color: "#1f4e8c" } },
      ],
    }),
    [byRegion, t],
  );
  const dealers = [...(report.data?.dealers ?? [])].filter((d) => d.open > 0).sort((a, b) => b.open - a.open).slice(0, 50);
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("oemc.title")}</h1>
        <MonthPicker label={t("month")} value={month} onChange={setMonth} />
      </div>
      {report.isPending ? <Loading /> : report.error ? <Problem error={report.error} /> : null}
      {report.data ? (
        <>
          <p className="summary">
            {t("oemc.summary", {
              opened: report.data.total.opened,
              open: report.data.total.open,
              inTime: fmtPct(report.data.total.first_response_in_time_pct),
            })}
          </p>
          <div className="two">
            <div className="panel">
              <h2>{t("oemc.byRegion")}</h2>
              <Chart option={option} label={t("oemc.chartLabel")} />
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">{t("ranking.region")}</th>
                    <th scope="col" className="num">
                      {t("oemc.open")}
                    </th>
                    <th scope="col" className="num">
                      {t("oemc.opened")}
                    </th>
                    <th scope="col" className="num">
                      {t("oemc.major")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {byRegion.map(([region, v]) => (
                    <tr key={region}>
                      <th scope="row">{region === "—" ? region : regionLabel(t, region)}</th>
                      <td className="num">{v.open}</td>
                      <td className="num">{v.opened}</td>
                      <td className="num">{v.major}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="panel">
              <h2>{t("oemc.dealers")}</h2>
              {dealers.length === 0 ? <p className="empty">{t("oemc.none")}</p> : null}
              <table className="grid compact">
                <tbody>
                  {dealers.map((d) => (
                    <tr key={d.dealer_code}>
                      <th scope="row">
                        <Link to={`/complaints?dealer=${d.dealer_code}`}>{d.dealer_code}</Link>
                      </th>
                      <td>{regionOf.get(d.dealer_code) ?? "—"}</td>
                      <td className="num">{t("oemc.openN", { n: d.open })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
