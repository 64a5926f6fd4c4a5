// The CRA's worklist: what can be called now first (the service's order: planned time), due time and overdue beside
// it, special reasons marked. Arrow keys or j/k move, Enter opens the call.
import { useQuery } from "@tanstack/react-query";
import { memo, useCallback, useState, type KeyboardEvent } from "react";
import { Link, useNavigate } from "react-router";
import { callbackApi, ok, type Callback } from "../api/client";
import { fmtDateTime } from "../format";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { Badge, DealerPicker, Kbd, Loading, Problem, useDealer } from "../ui/bits";
import { VirtualRows, type RowProps } from "../ui/VirtualRows";

export function useWorklist(dealer: string | undefined, status: "open" | "all" = "open") {
  return useQuery({
    queryKey: ["worklist", dealer, status],
    enabled: !!dealer,
    refetchInterval: 30_000,
    queryFn: async () =>
      ok(
        await callbackApi.GET("/v1/callbacks", {
          params: { query: { dealer_code: dealer, status: status === "open" ? "open" : undefined, limit: 500 } },
        }),
      ).items,
  });
}

export const ReasonBadge = ({ reason }: { reason: Callback["reason"] }) => {
  const { t } = useI18n();
  return <Badge tone={reason === "post_service" ? "plain" : "info"}>{t(`reason.${reason}` as Key)}</Badge>;
};

const WorkRow = memo(function WorkRow({ item }: RowProps<Callback>) {
  const { t, lang } = useI18n();
  const now = Date.now();
  const callable = !item.planned_at || new Date(item.planned_at).getTime() <= now;
  return (
    <Link to={`/calls/${item.id}`} className="work-row" tabIndex={-1}>
      <span className="who">
        <strong>{item.customer.name}</strong>
        <span className="muted"> {item.ro_number ?? ""}</span>
      </span>
      <span className="tags">
        <ReasonBadge reason={item.reason} />
        {item.overdue ? <Badge tone="bad">{t("worklist.overdue")}</Badge> : null}
        {item.attempts.length ? <Badge tone="plain">{t("worklist.attempts", { n: item.attempts.length })}</Badge> : null}
      </span>
      <span className="when">
        <span className={callable ? "now" : "muted"}>
          {t("worklist.planned")} {callable ? t("worklist.now") : fmtDateTime(item.planned_at, lang)}
        </span>
        <span className={item.overdue ? "overdue" : "muted"}>
          {t("worklist.due")} {fmtDateTime(item.due_at, lang)}
        </span>
      </span>
    </Link>
  );
});

export default function Worklist() {
  const { t } = useI18n();
  const [dealer, setDealer] = useDealer();
  const list = useWorklist(dealer);
  const navigate = useNavigate();
  const [selected, setSelected] = useState(0);
  const items = list.data ?? [];
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (event.key === "ArrowDown" || event.key === "j") setSelected((s) => Math.min(s + 1, items.length - 1));
      else if (event.key === "ArrowUp" || event.key === "k") setSelected((s) => Math.max(s - 1, 0));
      else if (event.key === "Enter" && items[selected]) navigate(`/calls/${items[selected].id}`);
      else return;
      event.preventDefault();
    },
    [items, selected, navigate],
  );
  const overdue = items.filter((c) => c.overdue).length;
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t("worklist.title")}</h1>
        <DealerPicker value={dealer} onChange={setDealer} />
      </div>
      {list.isPending ? <Loading /> : list.error ? <Problem error={list.error} /> : null}
      {list.data ? (
        <>
          <p className="summary">
            {t("worklist.summary", { n: items.length, overdue })}{" "}
            <span className="muted hint">
              <Kbd>↑</Kbd>
              <Kbd>↓</Kbd> {t("worklist.keysMove")} · <Kbd>Enter</Kbd> {t("worklist.keysOpen")}
            </span>
          </p>
          {items.length === 0 ? (
            <p className="empty">{t("worklist.empty")}</p>
          ) : (
            <VirtualRows
              kind="list"
              label={t("worklist.title")}
              items={items}
              rowHeight={64}
              Row={WorkRow}
              getKey={(c) => c.id}
              selected={selected}
              onKeyDown={onKeyDown}
              className="worklist"
            />
          )}
        </>
      ) : null}
    </section>
  );
}
