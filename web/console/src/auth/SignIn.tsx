import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import type { ConsoleConfig } from "../App";
import { useI18n } from "../i18n";
import type { Key } from "../messages";
import { Problem } from "../ui/bits";
import { startSignIn } from "./oidc";
import { homeOf, isDealerRole, ROLES, sessionFromToken, signIn, signOutReason, useSession, type Role } from "./session";

const REMEMBER = "csi.dev.signin"; // the form's last values (never the token), for the next dev sign-in

type Form = { role: Role; dealers: string; region: string; subject: string };

export function SignIn({ config }: { config: ConsoleConfig }) {
  const { t, lang, setLang } = useI18n();
  const session = useSession();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from;
  const saved = JSON.parse(sessionStorage.getItem(REMEMBER) ?? "null") as Form | null;
  const [form, setForm] = useState<Form>(saved ?? { role: "cra", dealers: "D001", region: "", subject: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (session) return <Navigate to={from && from !== "/sign-in" ? from : homeOf(session.role)} replace />;

  async function devSignIn(values: Form) {
    setBusy(true);
    setError(null);
    try {
      const dealers = values.dealers.split(/[\s,，]+/).filter(Boolean);
      const response = await fetch("/dev/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          role: values.role,
          dealers: isDealerRole(values.role) ? dealers : [],
          region: !isDealerRole(values.role) && values.region ? values.region : null,
          subject: values.subject || null,
        }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail ?? `HTTP ${response.status}`);
      sessionStorage.setItem(REMEMBER, JSON.stringify(values));
      const next = sessionFromToken(body.access_token, "dev");
      signIn(next);
      navigate(from && from !== "/sign-in" ? from : homeOf(next.role), { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void devSignIn(form);
  }

  const dealerRole = isDealerRole(form.role);
  return (
    <main id="content" className="signin">
      <div className="signin-box">
        <div className="signin-head">
          <h1>{t("signIn.title")}</h1>
          <button type="button" className="link" onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}>
            {lang === "zh-CN" ? "English" : "中文"}
          </button>
        </div>
        {signOutReason() === "expired" ? <p className="notice">{t("signIn.expired")}</p> : null}
        {config.oidc ? (
          <button type="button" className="primary wide" onClick={() => startSignIn(config.oidc!, from ?? "/").catch(setError)}>
            {t("signIn.oidc")}
          </button>
        ) : null}
        {config.dev_sign_in ? (
          <form onSubmit={submit} className="stack" aria-describedby="dev-note">
            <p id="dev-note" className="notice">
              {t("signIn.devNote")}
            </p>
            <label className="field">
              <span>{t("signIn.role")}</span>
              <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}` as Key)}
                  </option>
                ))}
              </select>
            </label>
            {dealerRole ? (
              <label className="field">
                <span>{t("signIn.dealers")}</span>
                <input value={form.dealers} required onChange={(e) => setForm({ ...form, dealers: e.target.value })} placeholder="D001, D002" />
              </label>
            ) : (
              <label className="field">
                <span>{t("signIn.region")}</span>
                <input value={form.region} onChange={(e) => setForm({ ...form, region: e.target.value })} placeholder={t("signIn.regionHint")} />
              </label>
            )}
            <label className="field">
              <span>{t("signIn.subject")}</span>
              <input value={form.subject} onChange={(e) => setForm({ ...form, subject: e.target.value })} placeholder={`dev-${form.role}`} />
            </label>
            <button type="submit" className="primary wide" disabled={busy}>
              {t("signIn.submit")}
            </button>
          </form>
        ) : null}
        {!config.oidc && !config.dev_sign_in ? <p className="problem">{t("signIn.none")}</p> : null}
        {error ? <Problem error={error} /> : null}
      </div>
    </main>
  );
}
