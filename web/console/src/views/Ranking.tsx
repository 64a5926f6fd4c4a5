// The OEM ranking: up to 3,000 dealers in a virtualised table (sort, region, search), the distribution, the regions
// compared, CSV and Excel exports, and a click to a dealer's card.
import { memo, useDeferredValue, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { download, type RankingEntry } from "../api/client";
import { Chart } from "../charts/Chart";
import { fmtCount, fmtIndex, fmtInterval, fmtPct, histogram } from "../format";
import { regionLabel, useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, Loading, MonthPicker, Problem, usePeriod } from "../ui/bits";
import { VirtualRows, type RowProps } from "../ui/VirtualRows";
import { allEntries, rankingQuery, useRanking } from "./data";
import { LatestPeriod } from "../ui/LatestPeriod";
import { useQueryClient } from "@tanstack/react-query";
import { filterEntries, sortEntries, type Sort, type SortKey } from "./ranking";

const COLUMNS: { key: SortKey; label: Key; num?: boolean }[] = [
  { key: "rank", label: "ranking.rank", num: true },
  { key: "dealer_code", label: "ranking.code" },
  { key: "dealer_name", label: "ranking.name" },
  { key: "region", label: "ranking.region" },
  { key: "index", label: "ranking.index", num: true },
  { key: "responses", label: "ranking.responses", num: true },
  { key: "response_rate", label: "ranking.responseRate", num: true },
  { key: "complaints_per_100_ros", label: "ranking.complaints", num: true },
];

const RankRow = memo(function RankRow({ item }: RowProps<RankingEntry>) {
  const { t, lang } = useI18n();
  const [period] = usePeriod();
  return (
    <>
      <span role="cell" className="num">
        {item.rank ?? <Badge tone="warn">{t("ranking.small")}</Badge>}
      </span>
      <span role="cell">
        <Link to={`/dealers/${item.dealer_code}/csi?period=${period}`} className="code">
          {item.dealer_code}
        </Link>
      </span>
      <span role="cell" className="name">
        {item.dealer_name}
      </span>
      <span role="cell">{regionLabel(t, item.region)}</span>
      <span role="cell" className="num">
        <strong>{fmtIndex(item.index)}</strong> <small className="muted">{fmtInterval(item.interval)}</small>
      </span>
      <span role="cell" className="num">
        {fmtCount(item.responses, lang)}
      </span>
      <span role="cell" className="num">
        {fmtPct(item.response_rate == null ? null : item.response_rate * 100)}
      </span>
      <span role="cell" className="num">
        {item.complaints_per_100_ros === null ? "—" : item.complaints_per_100_ros.toFixed(1)}
      </span>
    </>
  );
});

export default function RankingPage() {
  const client = useQueryClient();
  return (
    <LatestPeriod probeKey={["ranking"]} hasData={async (p) => (await client.fetchQuery(rankingQuery(p))).ranked.length > 0}>
      <Ranking />
    </LatestPeriod>
  );
}

function Ranking() {
  const { t } = useI18n();
  const [period, setPeriod] = usePeriod();
  const [params, setParams] = useSearchParams();
  const region = params.get("region") ?? "";
  const [search, setSearch] = useState("");
  const deferredSearch = useDeferredValue(search);
  const [sort, setSort] = useState<Sort>({ key: "rank", desc: false });
  const [exportError, setExportError] = useState<unknown>(null);
  const navigate = useNavigate();
  const ranking = useRanking(period);
  const entries = useMemo(() => (ranking.data ? allEntries(ranking.data) : []), [ranking.data]);
  const regions = useMemo(() => Object.keys(ranking.data?.regional_averages ?? {}).sort(), [ranking.data]);
  const rows = useMemo(() => sortEntries(filterEntries(entries, region, deferredSearch), sort), [entries, region, deferredSearch, sort]);

  useEffect(() => {
    if (!ranking.data) return;
    // Marks for the browser test: from the data's arrival to the table on screen.
    requestAnimationFrame(() => setTimeout(() => performance.mark("csi:ranking-ready"), 0));
  }, [ranking.data]);

  const distribution = useMemo(() => {
    const bins = histogram(
      filterEntries(ranking.data?.ranked ?? [], region, "").map((e) => e.index),
      25,
    );
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: bins.map((b) => `${b.from}`), name: t("ranking.index"), nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "value", name: t("ranking.dealers") },
      series: [{ type: "bar", data: bins.map((b) => b.count), itemStyle: { color: "#1f4e8c" } }],
    };
  }, [ranking.data, region, t]);

  const regionsOption = useMemo(() => {
    const averages = ranking.data?.regional_averages ?? {};
    const national = ranking.data?.national_average ?? null;
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: regions },
      yAxis: { type: "value", scale: true, name: t("ranking.index") },
      series: [
        {
          type: "bar",
          data: regions.map((r) => ({ value: averages[r], itemStyle: { color: r === region ? "#b3261e" : "#1f4e8c" } })),
          markLine: national === null ? undefined : { symbol: "none", data: [{ yAxis: national, name: t("ranking.national") }], label: { position: "insideEndTop", formatter: `${t("ranking.national")} {c}` } },
        },
      ],
    };
  }, [ranking.data, regions, region, t]);

  function setRegion(value: string) {
    setParams((p) => {
      if (value) p.set("region", value);
      else p.delete("region");
      return p;
    });
  }

  function exportAs(format: "csv" | "xlsx") {
    setExportError(null);
    const query = new URLSearchParams({ period, format, ...(region ? { region } : {}) });
    download(`/api/scoring/v1/csi/export?${query}`, `csi-${period}.${format}`).catch(setExportError);
  }

  function toggle(key: SortKey) {
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key === "index" || key === "responses" }));
  }

  return (
    <section className="page ranking">
      <div className="page-head">
        <h1>{t("ranking.title")}</h1>
        <MonthPicker label={t("period")} value={period} onChange={setPeriod} />
        <label className="field inline">
          <span>{t("ranking.region")}</span>
          <select value={region} onChange={(e) => setRegion(e.target.value)}>
            <option value="">{t("ranking.allRegions")}</option>
            {regions.map((r) => (
              <option key={r} value={r}>
                {regionLabel(t, r)}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline grow">
          <span>{t("ranking.search")}</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t("ranking.searchHint")} />
        </label>
        <div className="row">
          <button type="button" onClick={() => exportAs("csv")}>
            CSV
          </button>
          <button type="button" onClick={() => exportAs("xlsx")}>
            Excel
          </button>
        </div>
      </div>
      {exportError ? <Problem error={exportError} /> : null}
      {ranking.isPending ? <Loading /> : ranking.error ? <Problem error={ranking.error} /> : null}
      {ranking.data ? (
        <>
          <p className="summary">
            {t("ranking.summary", {
              shown: fmtCount(rows.length, "en"),
              ranked: ranking.data.ranked.length,
              small: ranking.data.small_sample.length,
              min: ranking.data.min_sample,
              national: fmtIndex(ranking.data.national_average),
            })}
          </p>
          <VirtualRows
            kind="table"
            label={t("ranking.title")}
            items={rows}
            rowHeight={40}
            Row={RankRow}
            getKey={(e) => e.dealer_code}
            className="ranking-table"
            onKeyDown={(e) => {
              if (e.key === "Enter" && rows[0] && (e.target as HTMLElement).classList.contains("vscroll")) navigate(`/dealers/${rows[0].dealer_code}/csi?period=${period}`);
            }}
            header={
              <div className="vhead" role="rowgroup">
                <div className="vrow head" role="row" aria-rowindex={1}>
                  {COLUMNS.map((col) => (
                    <span
                      key={col.key}
                      role="columnheader"
                      className={col.num ? "num" : undefined}
                      aria-sort={sort.key === col.key ? (sort.desc ? "descending" : "ascending") : "none"}
                    >
                      <button type="button" className="sort" onClick={() => toggle(col.key)}>
                        {t(col.label)}
                        {sort.key === col.key ? (sort.desc ? " ▼" : " ▲") : ""}
                      </button>
                    </span>
                  ))}
                </div>
              </div>
            }
          />
          <div className="two">
            <div className="panel">
              <h2>{t("ranking.distribution")}</h2>
              <Chart option={distribution} label={t("ranking.distributionLabel", { n: rows.length })} />
            </div>
            <div className="panel">
              <h2>{t("ranking.regions")}</h2>
              <Chart option={regionsOption} label={t("ranking.regionsLabel")} />
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">{t("ranking.region")}</th>
                    <th scope="col" className="num">
                      {t("ranking.average")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {regions.map((r) => (
                    <tr key={r} className={r === region ? "selected" : undefined}>
                      <th scope="row">
                        <button type="button" className="link" onClick={() => setRegion(r === region ? "" : r)}>
                          {r}
                        </button>
                      </th>
                      <td className="num">{fmtIndex(ranking.data!.regional_averages[r])}</td>
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
