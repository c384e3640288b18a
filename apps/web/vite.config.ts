import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The BFF serves the built app (no source maps: they would publish the sources); in development
// Vite proxies the API to a BFF on its default port, as a request for 127.0.0.1:4317 (the BFF
// answers only the host names it is reached by).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/api": { target: "http://127.0.0.1:4317", changeOrigin: true } } },
});
