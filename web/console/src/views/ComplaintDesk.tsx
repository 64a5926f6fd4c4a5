// The complaint desk: open cases by SLA urgency with live countdowns; what the caller may do is on each case.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { complaintApi, ok, type Complaint } from "../api/client";
import { fmtDateTime } from "../format";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, Countdown, DealerPicker, Loading, Problem, useDealer } from "../ui/bits";
import { byUrgency, nextDeadline, waitsForYou } from "./complaints";

export function useComplaints(dealer: string | undefined) {
  return useQuery({
    queryKey: ["complaints", dealer],
    refetchInterval: 30_000,
    queryFn: async () => {
      const items: Complaint[] = [];
      let cursor: string | undefined;
      // Oldest first, 500 a page; a desk rarely holds more than one page of open cases.
      for (let page = 0; page < 10; page++) {
        const answer = ok(await complaintApi.GET("/v1/complaints", { params: { query: { dealer_code: dealer, limit: 500, cursor } } }));
        items.push(...answer.items);
        if (!answer.next_cursor) break;
        cursor = answer.next_cursor;
      }
      return items;
    },
  });
}

export default function ComplaintDesk() {
  const { t, lang } = useI18n();
  const [dealer, setDealer] = useDealer();
  const [showClosed, setShowClosed] = useState(false);
  const list = useComplaints(dealer);
  const rows = useMemo(
    () => (list.data ?? []).filter((c) => showClosed || c.status !== "closed").sort(byUrgency),
    [list.data, showClosed],
  );
  const mine = rows.filter(waitsForYou).length;
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("desk.title")}</h1>
        <DealerPicker value={dealer} onChange={setDealer} />
        <label className="check">
          <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} /> {t("desk.showClosed")}
        </label>
      </div>
      {list.isPending ? <Loading /> : list.error ? <Problem error={list.error} /> : null}
      {list.data ? (
        <>
          <p className="summary">{t("desk.summary", { n: rows.length, mine })}</p>
          {rows.length === 0 ? (
            <p className="empty">{t("desk.empty")}</p>
          ) : (
            <div className="table-wrap">
              <table className="grid desk">
                <thead>
                  <tr>
                    <th scope="col">{t("desk.deadline")}</th>
                    <th scope="col">{t("desk.case")}</th>
                    <th scope="col">{t("desk.customer")}</th>
                    <th scope="col">{t("desk.status")}</th>
                    <th scope="col">{t("desk.yourMove")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => {
                    const deadline = nextDeadline(c);
                    return (
                      <tr key={c.id} className={c.severity === "major" ? "major" : undefined}>
                        <td>
                          {deadline ? (
                            <>
                              <Countdown due={deadline.due} />
                              <br />
                              <small className="muted">{t(`sla.${deadline.kind}` as Key)}</small>
                            </>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td>
                          <Link to={`/complaints/${c.id}`}>{t(`category.${c.category}` as Key)}</Link>
                          {c.severity === "major" ? (
                            <>
                              {" "}
                              <Badge tone="bad">{t("severity.major")}</Badge>
                            </>
                          ) : null}
                          {c.severity === "minor" ? (
                            <>
                              {" "}
                              <Badge tone="plain">{t("severity.minor")}</Badge>
                            </>
                          ) : null}
                          {c.escalation_level > 0 ? (
                            <>
                              {" "}
                              <Badge tone="warn">{t("desk.escalated", { level: c.escalation_level })}</Badge>
                            </>
                          ) : null}
                          <br />
                          <small className="muted">
                            {t(`source.${c.source}` as Key)} · {c.dealer_code} {c.ro_number ?? ""} · {fmtDateTime(c.opened_at, lang)}
                          </small>
                        </td>
                        <td>{c.customer.name ?? "—"}</td>
                        <td>{t(`cstatus.${c.status}` as Key)}</td>
                        <td>
                          {c.allowed_actions.length ? (
                            c.allowed_actions.map((a) => (
                              <Badge key={a} tone="info">
                                {t(`action.${a}` as Key)}
                              </Badge>
                            ))
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}
