// The service advisor: callbacks and complaints of the dealer's customers to act on, and the data-fix tasks (wrong
// numbers found on calls) to put right in the DMS.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { callbackApi, ok } from "../api/client";
import { useSession } from "../auth/session";
import { fmtDateTime } from "../format";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, Countdown, DealerPicker, Loading, Problem, useDealer } from "../ui/bits";
import { useComplaints } from "./ComplaintDesk";
import { byUrgency, nextDeadline } from "./complaints";
import { ReasonBadge, useWorklist } from "./Worklist";

export default function AdvisorHome() {
  const { t, lang } = useI18n();
  const session = useSession()!;
  const [dealer, setDealer] = useDealer();
  const callbacks = useWorklist(dealer);
  const complaints = useComplaints(dealer);
  const tasks = useQuery({
    queryKey: ["data-fix", dealer],
    enabled: !!dealer,
    queryFn: async () => ok(await callbackApi.GET("/v1/data-fix-tasks", { params: { query: { dealer_code: dealer!, status: "open" } } })).items,
  });
  const toAct = (complaints.data ?? []).filter((c) => c.allowed_actions.length > 0).sort(byUrgency);
  const mineFirst = [...(tasks.data ?? [])].sort((a, b) => Number(b.service_advisor_id === session.subject) - Number(a.service_advisor_id === session.subject));
  const special = (callbacks.data ?? []).filter((c) => c.reason !== "post_service" || c.overdue).slice(0, 50);
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("advisor.title")}</h1>
        <DealerPicker value={dealer} onChange={setDealer} />
      </div>
      <div className="two">
        <div className="panel">
          <h2>{t("advisor.complaints", { n: toAct.length })}</h2>
          {complaints.isPending ? <Loading /> : complaints.error ? <Problem error={complaints.error} /> : null}
          {complaints.data && toAct.length === 0 ? <p className="empty">{t("desk.empty")}</p> : null}
          <ul className="plain">
            {toAct.map((c) => {
              const d = nextDeadline(c);
              return (
                <li key={c.id}>
                  <Link to={`/complaints/${c.id}`}>
                    {t(`category.${c.category}` as Key)} · {c.customer.name ?? "—"}
                  </Link>{" "}
                  {d ? <Countdown due={d.due} /> : null}{" "}
                  {c.allowed_actions.map((a) => (
                    <Badge key={a} tone="info">
                      {t(`action.${a}` as Key)}
                    </Badge>
                  ))}
                </li>
              );
            })}
          </ul>
        </div>
        <div className="panel">
          <h2>{t("advisor.tasks", { n: mineFirst.length })}</h2>
          {tasks.isPending ? <Loading /> : tasks.error ? <Problem error={tasks.error} /> : null}
          {tasks.data && mineFirst.length === 0 ? <p className="empty">{t("advisor.noTasks")}</p> : null}
          <ul className="plain">
            {mineFirst.map((task) => (
              <li key={task.id}>
                <strong>{task.ro_number}</strong> · {t("advisor.wrongNumber")} {task.wrong_phone ?? "—"} · {fmtDateTime(task.created_at, lang)}
                {task.service_advisor_id === session.subject ? (
                  <>
                    {" "}
                    <Badge tone="warn">{t("advisor.yours")}</Badge>
                  </>
                ) : null}
                <br />
                <small className="muted">{t("advisor.taskHint")}</small>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <div className="panel">
        <h2>{t("advisor.callbacks", { n: special.length })}</h2>
        {callbacks.isPending ? <Loading /> : callbacks.error ? <Problem error={callbacks.error} /> : null}
        {callbacks.data && special.length === 0 ? <p className="empty">{t("advisor.noCallbacks")}</p> : null}
        <ul className="plain">
          {special.map((c) => (
            <li key={c.id}>
              <Link to={`/calls/${c.id}`}>{c.customer.name}</Link> <ReasonBadge reason={c.reason} />{" "}
              {c.overdue ? <Badge tone="bad">{t("worklist.overdue")}</Badge> : null}{" "}
              <small className="muted">
                {t("worklist.due")} {fmtDateTime(c.due_at, lang)}
              </small>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
