import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { signOut, useSession, type Role } from "../auth/session";
import { regionLabel, useI18n } from "../i18n";
import type { Key } from "../messages";

const NAV: Record<Role, [string, Key][]> = {
  cra: [
    ["/worklist", "nav.worklist"],
    ["/complaints", "nav.complaints"],
  ],
  service_advisor: [
    ["/advisor", "nav.advisor"],
    ["/worklist", "nav.worklist"],
    ["/complaints", "nav.complaints"],
  ],
  service_manager: [
    ["/complaints", "nav.complaints"],
    ["/reports", "nav.reports"],
    ["/csi", "nav.csi"],
  ],
  general_manager: [
    ["/complaints", "nav.complaints"],
    ["/reports", "nav.reports"],
    ["/csi", "nav.csi"],
  ],
  oem_analyst: [
    ["/ranking", "nav.ranking"],
    ["/oem/complaints", "nav.oemComplaints"],
    ["/integrity", "nav.integrity"],
  ],
  survey_center: [["/survey-center", "nav.surveyCenter"]],
  privacy_officer: [["/privacy", "nav.privacy"]],
  admin: [
    ["/ranking", "nav.ranking"],
    ["/oem/complaints", "nav.oemComplaints"],
    ["/integrity", "nav.integrity"],
  ],
};

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession()!;
  const { t, lang, setLang } = useI18n();
  const scope = session.dealers.length ? session.dealers.join(", ") : session.region ? t("scope.region", { region: regionLabel(t, session.region) }) : t("scope.all");
  return (
    <>
      <a className="skip" href="#content">
        {t("skip")}
      </a>
      <header className="top">
        <span className="brand">{t("brand")}</span>
        <nav aria-label={t("nav.label")}>
          {(NAV[session.role] ?? []).map(([to, key]) => (
            <NavLink key={to} to={to}>
              {t(key)}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <span className="muted" title={session.subject}>
            {t(`role.${session.role}` as Key)} · {scope}
          </span>
          <button type="button" className="link" lang={lang === "zh-CN" ? "en" : "zh-CN"} onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}>
            {lang === "zh-CN" ? "English" : "中文"}
          </button>
          <button type="button" className="link" onClick={() => signOut()}>
            {t("signOut")}
          </button>
        </div>
      </header>
      <main id="content">{children}</main>
    </>
  );
}
