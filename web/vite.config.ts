// Builds the console into build/console (docs/console.md); scripts/build copies
// it beside each build flavour's binary. Everything is hashed under assets/.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  plugins: [preact()],
  base: "/",
  // `npm run dev`: the API of a running server (INTERDICT_URL, default the demo's address).
  server: {
    proxy: { "/api": process.env.INTERDICT_URL ?? "http://127.0.0.1:8480" },
  },
  build: {
    outDir: process.env.INTERDICT_CONSOLE_OUT ?? "../build/console",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // No inline scripts or styles: the server's Content-Security-Policy allows none.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
