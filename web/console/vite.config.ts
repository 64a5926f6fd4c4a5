/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by csi_dev.console under `make run` and by nginx in Kubernetes, both with a CSP that allows
// no inline script or style: Vite's build emits only files, and nothing here may add an inline tag.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    // `npm run dev` beside `make run`: the same /api and sign-in as the console server.
    proxy: { "/api": "http://127.0.0.1:8000", "/dev": "http://127.0.0.1:8000", "/config.json": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
