// Two languages, one dictionary: zh-CN for the dealers' staff, en for head office and integrators.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, zh, type Key } from "./messages";

export type Lang = "zh-CN" | "en";
const STORE = "csi.lang"; // a preference, not a secret

function initial(): Lang {
  const saved = globalThis.localStorage?.getItem(STORE);
  if (saved === "zh-CN" || saved === "en") return saved;
  return (globalThis.navigator?.language ?? "zh-CN").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  let text: string = (lang === "zh-CN" ? zh : en)[key] ?? en[key] ?? key;
  if (vars) for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** The text of a coded value (`action.open`), or the code itself when the console has no text for it yet. */
export function labelOf(t: I18n["t"], prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in en ? t(key as Key) : value;
}

/** A region's name: the network's regions in words, any other code as it is. */
export function regionLabel(t: I18n["t"], code: string | null | undefined): string {
  return code ? labelOf(t, "regionName", code) : "—";
}

type I18n = { lang: Lang; setLang: (lang: Lang) => void; t: (key: Key, vars?: Record<string, string | number>) => string };
const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children, lang: fixed }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(fixed ?? initial);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    globalThis.localStorage?.setItem(STORE, next);
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(() => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }), [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}

export function currentLang(): Lang {
  return (document.documentElement.lang === "en" ? "en" : "zh-CN") as Lang;
}
