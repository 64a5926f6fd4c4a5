import { expect, it } from "vitest";
import { authorizationUrl, challengeOf, randomVerifier } from "./oidc";
import { sessionFromToken } from "./session";

it("derives the S256 challenge of RFC 7636, appendix B", async () => {
  expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  expect(randomVerifier()).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

it("asks for an authorization code with PKCE", () => {
  const url = new URL(
    authorizationUrl("https://login.example.com/auth", { issuer: "https://login.example.com", client_id: "csi-console", scope: "openid" }, {
      state: "s1",
      challenge: "c1",
      redirect: "https://csi.example.com/auth/callback",
    }),
  );
  expect(Object.fromEntries(url.searchParams)).toEqual({
    response_type: "code", client_id: "csi-console", redirect_uri: "https://csi.example.com/auth/callback", scope: "openid",
    state: "s1", code_challenge: "c1", code_challenge_method: "S256",
  });
});

it("reads who the person is from the token's claims", () => {
  const payload = btoa(JSON.stringify({ sub: "u7", role: "cra", dealers: ["D001"], exp: 2_000_000_000 })).replace(/=+$/, "");
  const session = sessionFromToken(`x.${payload}.y`, "oidc");
  expect(session).toMatchObject({ subject: "u7", role: "cra", dealers: ["D001"], region: null, expiresAt: 2_000_000_000_000 });
});
