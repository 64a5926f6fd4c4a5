// Small pieces every view uses: loading and error states, pickers, the shared clock and SLA countdowns.
import { useSyncExternalStore, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useSession } from "../auth/session";
import { fmtDuration, monthOf } from "../format";
import { labelOf, useI18n } from "../i18n";
import { en, type Key } from "../messages";

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t("loading")}
    </p>
  );
}

export function Problem({ error }: { error: unknown }) {
  const { t, lang } = useI18n();
  const problem = error instanceof ApiError ? error.problem : undefined;
  const status = error instanceof ApiError ? error.status : null;
  // The services write `detail` in English for integrators; a person reads the problem's code in their language, and
  // the English detail only in English (or folded away, for support).
  const known = problem?.code && `problem.${problem.code}` in en ? t(`problem.${problem.code}` as Key) : null;
  const generic = status === 404 ? t("error.notFound") : status === 403 ? t("error.forbidden") : status ? t("problem.other", { status }) : null;
  const english = error instanceof Error ? error.message : String(error);
  const text = lang === "en" ? (status === 404 || status === 403 ? generic : english) : (known ?? generic ?? t("problem.network"));
  return (
    <div className="problem" role="alert">
      <strong>{t("error.title")}</strong> {text}
      {problem?.errors?.length ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              {labelOf(t, "field", e.field)}: {lang === "en" ? e.reason : t("problem.fieldWrong")}
            </li>
          ))}
        </ul>
      ) : null}
      {lang !== "en" && text !== english ? (
        <details className="muted">
          <summary>{t("problem.technical")}</summary>
          <span lang="en">{english}</span>
        </details>
      ) : null}
    </div>
  );
}

export function Badge({ tone, children }: { tone: "bad" | "warn" | "ok" | "info" | "plain"; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** The dealer a dealer-scoped view is about: ?dealer= when in scope, else the person's first dealer. */
export function useDealer(): [string | undefined, (code: string) => void] {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const asked = params.get("dealer");
  const dealers = session?.dealers ?? [];
  const dealer = asked && (dealers.length === 0 || dealers.includes(asked)) ? asked : dealers[0];
  return [
    dealer,
    (code: string) =>
      setParams((p) => {
        p.set("dealer", code);
        return p;
      }),
  ];
}

export function DealerPicker({ value, onChange }: { value: string | undefined; onChange: (code: string) => void }) {
  const session = useSession();
  const { t } = useI18n();
  const dealers = session?.dealers ?? [];
  if (dealers.length < 2) return null;
  return (
    <label className="field inline">
      <span>{t("dealer")}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {dealers.map((d) => (
          <option key={d}>{d}</option>
        ))}
      </select>
    </label>
  );
}

/** ?period=YYYY-MM (or ?month=), this month by default. */
export function usePeriod(name = "period"): [string, (p: string) => void] {
  const [params, setParams] = useSearchParams();
  const period = /^\d{4}-\d{2}$/.test(params.get(name) ?? "") ? params.get(name)! : monthOf(new Date());
  return [
    period,
    (p: string) =>
      setParams((q) => {
        q.set(name, p);
        return q;
      }),
  ];
}

export function MonthPicker({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <label className="field inline">
      <span>{label}</span>
      <input type="month" value={value} required onChange={(e) => e.target.value && onChange(e.target.value)} />
    </label>
  );
}

// One clock for every countdown on a page: a tick a second wakes only the components that read it.
let now = Date.now();
const clockListeners = new Set<() => void>();
let clockTimer: ReturnType<typeof setInterval> | undefined;
function subscribeClock(listener: () => void) {
  clockListeners.add(listener);
  if (!clockTimer) {
    clockTimer = setInterval(() => {
      now = Date.now();
      for (const l of clockListeners) l();
    }, 1000);
  }
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(
    subscribeClock,
    () => now,
    () => now,
  );
}

/** "3 h 12 min left" or "overdue 2 h", live. */
export function Countdown({ due, done }: { due: string; done?: boolean }) {
  const current = useNow();
  const { t, lang } = useI18n();
  if (done) return <span className="muted">{t("sla.met")}</span>;
  const left = new Date(due).getTime() - current;
  const text = fmtDuration(left, lang);
  return left < 0 ? (
    <span className="countdown overdue">{t("sla.overdueBy", { time: text })}</span>
  ) : (
    <span className={`countdown${left < 4 * 3600_000 ? " soon" : ""}`}>{t("sla.left", { time: text })}</span>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd aria-hidden="true" className="kbd">
      {children}
    </kbd>
  );
}
