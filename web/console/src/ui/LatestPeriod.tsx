// Period pages open on the latest month with data, not on the current month (nearly empty in its first days), and
// say which month they chose. A period in the address (?period=) is always kept as asked.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { addMonths, monthOf } from "../format";
import { useI18n } from "../i18n";
import { Loading } from "./bits";

/** How far back a page looks for a month with data before it settles for the current one. */
const MONTHS_BACK = 3;

export function LatestPeriod({
  name = "period",
  probeKey,
  hasData,
  children,
}: {
  name?: string;
  probeKey: unknown[];
  hasData: (period: string) => Promise<boolean>;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const asked = params.get(name);
  const [chosen, setChosen] = useState<string | null>(null);
  const current = monthOf(new Date());
  const probe = useQuery({
    queryKey: ["latest-period", ...probeKey, current],
    enabled: !asked,
    staleTime: 300_000,
    queryFn: async () => {
      for (let n = 0; n < MONTHS_BACK; n++) {
        const period = addMonths(current, -n);
        if (await hasData(period)) return period;
      }
      return current;
    },
  });
  useEffect(() => {
    if (asked || !probe.data) return;
    setChosen(probe.data);
    setParams(
      (q) => {
        q.set(name, probe.data);
        return q;
      },
      { replace: true },
    );
  }, [asked, probe.data, name, setParams]);
  if (!asked) return probe.error ? <>{children}</> : <Loading />;
  return (
    <>
      {chosen && chosen === asked ? (
        <p className="notice latest-period" role="status">
          {t(chosen === current ? "period.latestCurrent" : "period.latest", { period: chosen })}
        </p>
      ) : null}
      {children}
    </>
  );
}
