// Who is signed in. The token lives in this module's memory only (never localStorage or a cookie): a reload signs the
// person in again, silently with the identity provider's session in production.
import { useSyncExternalStore } from "react";

export type Role =
  | "service_advisor"
  | "cra"
  | "service_manager"
  | "general_manager"
  | "oem_analyst"
  | "survey_center"
  | "privacy_officer"
  | "admin";
/** Every role a token may carry (csi_shared.roles.Role), in the order the sign-in page lists them. */
export const ROLES: Role[] = [
  "cra", "service_advisor", "service_manager", "general_manager", "oem_analyst", "survey_center", "privacy_officer", "admin",
];
export const DEALER_ROLES: Role[] = ["service_advisor", "cra", "service_manager", "general_manager"];

export type Session = {
  token: string;
  subject: string;
  role: Role;
  dealers: string[];
  region: string | null;
  expiresAt: number; // ms since the epoch
  via: "dev" | "oidc";
};

let current: Session | null = null;
let reason: "expired" | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;

function emit() {
  for (const listener of listeners) listener();
}

export function signIn(session: Session): void {
  current = session;
  reason = null;
  clearTimeout(timer);
  const left = session.expiresAt - Date.now();
  if (left > 0 && left < 2 ** 31) timer = setTimeout(() => signOut("expired"), left);
  emit();
}

export function signOut(why: "expired" | null = null): void {
  current = null;
  reason = why;
  clearTimeout(timer);
  emit();
}

export function getToken(): string | null {
  return current?.token ?? null;
}

export function getSession(): Session | null {
  return current;
}

export function signOutReason(): "expired" | null {
  return reason;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

/** The claims of a JWT, unverified: the services verify it; the console only reads who it says the person is. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function sessionFromToken(token: string, via: Session["via"]): Session {
  const claims = claimsOf(token);
  return {
    token,
    via,
    subject: String(claims.sub ?? ""),
    role: claims.role as Role,
    dealers: Array.isArray(claims.dealers) ? (claims.dealers as string[]) : [],
    region: typeof claims.region === "string" ? claims.region : null,
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000,
  };
}

export function isDealerRole(role: Role): boolean {
  return DEALER_ROLES.includes(role);
}

export function homeOf(role: Role): string {
  switch (role) {
    case "cra":
      return "/worklist";
    case "service_advisor":
      return "/advisor";
    case "service_manager":
    case "general_manager":
      return "/complaints";
    case "survey_center":
      return "/survey-center";
    case "privacy_officer":
      return "/privacy";
    default:
      return "/ranking";
  }
}
