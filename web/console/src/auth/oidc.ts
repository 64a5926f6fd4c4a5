// OpenID Connect authorization code flow with PKCE (RFC 7636) against the identity provider whose keys the services
// trust. Only the verifier and state cross the redirect (sessionStorage, this tab); the tokens stay in memory.
import { sessionFromToken, signIn } from "./session";

export type OidcConfig = { issuer: string; client_id: string; scope: string };
type Discovery = { authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string };
const PENDING = "csi.oidc.pending";

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** S256: base64url(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`identity provider: ${response.status}`);
  return response.json();
}

export function redirectUri(): string {
  return `${location.origin}/auth/callback`;
}

export function authorizationUrl(
  endpoint: string,
  config: OidcConfig,
  p: { state: string; challenge: string; redirect: string },
): string {
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: p.redirect,
    scope: config.scope,
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
  }).toString();
  return url.toString();
}

export async function startSignIn(config: OidcConfig, returnTo: string): Promise<void> {
  const { authorization_endpoint } = await discover(config.issuer);
  const verifier = randomVerifier();
  const state = randomVerifier();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  location.assign(
    authorizationUrl(authorization_endpoint, config, { state, challenge: await challengeOf(verifier), redirect: redirectUri() }),
  );
}

/** On /auth/callback: trade the code for tokens; where to go next. */
export async function finishSignIn(config: OidcConfig, search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  if (params.get("error")) throw new Error(params.get("error_description") ?? params.get("error") ?? "sign-in failed");
  if (!pending || params.get("state") !== pending.state) throw new Error("sign-in state does not match: start again");
  const { token_endpoint } = await discover(config.issuer);
  const response = await fetch(token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code") ?? "",
      redirect_uri: redirectUri(),
      client_id: config.client_id,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token endpoint: ${response.status}`);
  const tokens = await response.json();
  // The services read role and scope from the access token (claims role, dealers, region; audience csi).
  signIn(sessionFromToken(tokens.access_token, "oidc"));
  return pending.returnTo || "/";
}
