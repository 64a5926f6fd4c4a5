// A dealer's CSI card: the index with its interval, factors beside region and nation, 12 months of trend, strengths and
// priorities, the sample and response rate, and the breakdown by service advisor.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ok, scoringApi } from "../api/client";
import { isDealerRole, useSession } from "../auth/session";
import { Chart } from "../charts/Chart";
import { addMonths, fmtCount, fmtIndex, fmtInterval, fmtPct } from "../format";
import { useI18n, type Lang } from "../i18n";
import type { Key } from "../messages";
import { Badge, DealerPicker, Loading, MonthPicker, Problem, usePeriod } from "../ui/bits";
import { FACTORS, useQuestionnaire } from "./data";
import { LatestPeriod } from "../ui/LatestPeriod";

function cardQuery(code: string, period: string) {
  return {
    queryKey: ["card", code, period],
    queryFn: async () => ok(await scoringApi.GET("/v1/dealers/{dealer_code}/csi", { params: { path: { dealer_code: code }, query: { period } } })),
  };
}

export default function CsiCardPage() {
  const { code = "" } = useParams();
  const client = useQueryClient();
  return (
    <LatestPeriod key={code} probeKey={["card", code]} hasData={async (p) => (await client.fetchQuery(cardQuery(code, p))).responses > 0}>
      <CsiCard />
    </LatestPeriod>
  );
}

function CsiCard() {
  const { code = "" } = useParams();
  const { t, lang } = useI18n();
  const session = useSession()!;
  const [period, setPeriod] = usePeriod();
  const navigate = useNavigate();
  const oem = !isDealerRole(session.role);
  const card = useQuery(cardQuery(code, period));
  const trend = useQuery({
    queryKey: ["trend", code, period],
    queryFn: async () =>
      ok(
        await scoringApi.GET("/v1/dealers/{dealer_code}/csi/trend", {
          params: { path: { dealer_code: code }, query: { from: addMonths(period, -11), to: period } },
        }),
      ),
  });
  const breakdown = useQuery({
    queryKey: ["breakdown", code, period],
    queryFn: async () =>
      ok(
        await scoringApi.GET("/v1/dealers/{dealer_code}/csi/breakdown", {
          params: { path: { dealer_code: code }, query: { period, by: "service_advisor" } },
        }),
      ),
  });
  const questionnaire = useQuestionnaire();
  // Where the dealer stands comes with its card (scoring's `standing`): ranks and the region's and nation's means,
  // never another dealer's figures, so dealer roles see it too.
  const comparison = useMemo(() => {
    const s = card.data?.standing;
    if (!s) return null;
    return {
      region: s.region?.factors ?? {},
      nation: s.nation.factors,
      regionIndex: s.region?.index ?? null,
      nationIndex: s.nation.index,
      rank: s.rank_in_nation,
      count: s.nation.dealers,
      regionRank: s.rank_in_region,
      regionCount: s.region?.dealers ?? 0,
    };
  }, [card.data]);

  const itemText = (item: string) => questionnaire.data?.items.find((i) => i.code === item)?.text[lang] ?? item;
  const factorName = (f: string) => questionnaire.data?.factors.find((x) => x.code === f)?.name[lang] ?? t(`factor.${f}` as Key);

  const trendOption = useMemo(() => {
    const points = trend.data?.trend ?? [];
    return {
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: points.map((p) => p.period) },
      yAxis: { type: "value", scale: true },
      series: [
        { name: t("card.index"), type: "line", data: points.map((p) => p.index), connectNulls: false, symbolSize: 6, lineStyle: { width: 3 } },
        ...FACTORS.map((f) => ({ name: factorName(f), type: "line", data: points.map((p) => p.factors[f] ?? null), symbol: "none", lineStyle: { width: 1 } })),
      ],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trend.data, lang, questionnaire.data]);

  if (card.isPending) return <Loading />;
  if (card.error) return <Problem error={card.error} />;
  const c = card.data;
  const rate = c.response_rate == null ? null : c.response_rate * 100;
  return (
    <section className="page card-page">
      {oem ? (
        <p>
          <Link to={`/ranking?period=${period}`}>← {t("card.backToRanking")}</Link>
        </p>
      ) : null}
      <div className="page-head">
        <h1>
          {c.dealer_name} <span className="muted">({c.dealer_code})</span>{" "}
          <Badge tone={c.status === "final" ? "ok" : "warn"}>{t(`pstatus.${c.status}` as Key)}</Badge>
        </h1>
        {/* A manager of several dealers moves between their cards, keeping the month (the picker hides for one). */}
        <DealerPicker value={code} onChange={(d) => navigate(`/dealers/${d}/csi?period=${period}`)} />
        <MonthPicker label={t("period")} value={period} onChange={setPeriod} />
      </div>
      {c.small_sample ? (
        <p className="notice warn" role="note">
          {t("card.smallSample", { n: c.responses })}
        </p>
      ) : null}
      <div className="tiles">
        <Tile label={t("card.index")} value={fmtIndex(c.index)} sub={`${t("card.interval")} ${fmtInterval(c.interval)}`} big />
        {comparison ? (
          <Tile
            label={t("card.rank")}
            value={comparison.rank ? `${comparison.rank} / ${comparison.count}` : "—"}
            sub={`${t("card.region")} ${comparison.regionRank ? `${comparison.regionRank} / ${comparison.regionCount}` : "—"} · ${fmtIndex(comparison.regionIndex)} · ${t("card.nation")} ${fmtIndex(comparison.nationIndex)}`}
          />
        ) : null}
        <Tile label={t("card.responses")} value={fmtCount(c.responses, lang)} sub={t("card.ros", { n: fmtCount(c.ros, lang) })} />
        <Tile
          label={t("card.responseRate")}
          value={fmtPct(rate)}
          sub={t("card.contactRate", { pct: fmtPct(c.contact_rate == null ? null : c.contact_rate * 100) })}
        />
        <Tile
          label={t("card.callbackSatisfaction")}
          value={c.callback_satisfaction.mean === null ? "—" : c.callback_satisfaction.mean.toFixed(2)}
          sub={t("card.callbackSatisfactionHint", { n: fmtCount(c.callback_satisfaction.answers, lang) })}
        />
        <Tile label={t("card.loyalty")} value={fmtPct(c.loyalty === null ? null : c.loyalty * 100, 0)} sub={t("card.loyaltyHint")} />
        <Tile
          label={t("card.complaints")}
          value={c.complaints_per_100_ros === null ? "—" : c.complaints_per_100_ros.toFixed(1)}
          sub={t("card.complaintsHint", { n: c.complaints })}
        />
      </div>

      <div className="two">
        <div className="panel">
          <h2>{t("card.factors")}</h2>
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">{t("card.factor")}</th>
                <th scope="col" className="num">
                  {c.dealer_code}
                </th>
                {comparison ? (
                  <>
                    <th scope="col" className="num">
                      {t("card.region")}
                    </th>
                    <th scope="col" className="num">
                      {t("card.nation")}
                    </th>
                  </>
                ) : null}
                <th scope="col" className="num">
                  {t("card.answers")}
                </th>
              </tr>
            </thead>
            <tbody>
              {FACTORS.map((f) => {
                const mine = c.factors[f]?.index ?? null;
                const nation = comparison?.nation[f] ?? null;
                return (
                  <tr key={f}>
                    <th scope="row">{factorName(f)}</th>
                    <td className={`num ${mine !== null && nation !== null ? (mine >= nation ? "up" : "down") : ""}`}>{fmtIndex(mine)}</td>
                    {comparison ? (
                      <>
                        <td className="num">{fmtIndex(comparison.region[f])}</td>
                        <td className="num">{fmtIndex(nation)}</td>
                      </>
                    ) : null}
                    <td className="num">{fmtCount(c.factors[f]?.responses ?? 0, lang)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="muted small">{t("card.comparisonHint")}</p>
        </div>
        <div className="panel">
          <h2>{t("card.trend")}</h2>
          {trend.error ? <Problem error={trend.error} /> : <Chart option={trendOption} label={trendLabel(trend.data?.trend ?? [], t)} height={280} />}
        </div>
      </div>

      <div className="two">
        <ItemList title={t("card.strengths")} items={c.strengths} card={c} text={itemText} empty={t("card.noStrengths")} tone="ok" lang={lang} />
        <ItemList title={t("card.priorities")} items={c.priorities} card={c} text={itemText} empty={t("card.noPriorities")} tone="warn" lang={lang} />
      </div>

      <div className="panel">
        <h2>{t("card.byAdvisor")}</h2>
        {breakdown.isPending ? <Loading /> : breakdown.error ? <Problem error={breakdown.error} /> : null}
        {breakdown.data ? (
          breakdown.data.groups.length === 0 ? (
            <p className="empty">{t("card.noBreakdown")}</p>
          ) : (
            <div className="table-wrap">
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">{t("card.advisor")}</th>
                    <th scope="col" className="num">
                      {t("card.index")}
                    </th>
                    <th scope="col" className="num">
                      {t("card.interval")}
                    </th>
                    <th scope="col" className="num">
                      {t("card.responses")}
                    </th>
                    <th scope="col" className="num">
                      {t("card.rosShort")}
                    </th>
                    <th scope="col" className="num">
                      {t("card.callbackSatisfaction")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {breakdown.data.groups.map((g) => (
                    <tr key={g.key ?? "none"}>
                      <th scope="row">
                        {g.name ?? g.key ?? t("card.noAdvisor")} {g.small_sample ? <Badge tone="warn">{t("card.small")}</Badge> : null}
                      </th>
                      <td className="num">{fmtIndex(g.index)}</td>
                      <td className="num">{fmtInterval(g.interval)}</td>
                      <td className="num">{fmtCount(g.responses, lang)}</td>
                      <td className="num">{fmtCount(g.ros, lang)}</td>
                      <td className="num">{g.callback_satisfaction.mean === null ? "—" : g.callback_satisfaction.mean.toFixed(2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        ) : null}
      </div>
    </section>
  );
}

function trendLabel(points: { period: string; index: number | null }[], t: (k: Key, v?: Record<string, string | number>) => string): string {
  const known = points.filter((p) => p.index !== null);
  if (!known.length) return t("card.trendEmpty");
  const first = known[0];
  const last = known[known.length - 1];
  return t("card.trendLabel", { from: first.period, a: fmtIndex(first.index), to: last.period, b: fmtIndex(last.index) });
}

function Tile({ label, value, sub, big }: { label: string; value: string; sub?: string; big?: boolean }) {
  return (
    <div className={`tile${big ? " big" : ""}`}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub ? <div className="tile-sub">{sub}</div> : null}
    </div>
  );
}

function ItemList(p: { title: string; items: string[]; card: { items: Record<string, { mean: number }> }; text: (code: string) => string; empty: string; tone: "ok" | "warn"; lang: Lang }) {
  return (
    <div className={`panel items ${p.tone}`}>
      <h2>{p.title}</h2>
      {p.items.length === 0 ? (
        <p className="empty">{p.empty}</p>
      ) : (
        <ol>
          {p.items.map((code) => (
            <li key={code}>
              <span>{p.text(code)}</span>
              <span className="num">{p.card.items[code] ? p.card.items[code].mean.toFixed(2) : ""}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
