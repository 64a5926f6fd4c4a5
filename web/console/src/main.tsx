import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App, type ConsoleConfig } from "./App";
import { ApiError } from "./api/client";
import { I18nProvider } from "./i18n";
import "./styles.css";

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: true,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

async function start() {
  const config: ConsoleConfig = await fetch("/config.json")
    .then((r) => (r.ok ? r.json() : { dev_sign_in: false, oidc: null }))
    .catch(() => ({ dev_sign_in: false, oidc: null }));
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <I18nProvider>
        <QueryClientProvider client={queries}>
          <BrowserRouter>
            <App config={config} />
          </BrowserRouter>
        </QueryClientProvider>
      </I18nProvider>
    </StrictMode>,
  );
}

void start();
