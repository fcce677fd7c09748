import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = "http://127.0.0.1:3000";

// Vendor code changes far less often than ours: separate chunks keep it cached across deploys.
// Only modules the first page needs ("$initial") are grouped; vendor code used only by lazy routes
// (the customer page, the command palette) stays with them, so it never counts against first load.
const VENDOR_GROUPS: { name: string; test: RegExp; priority: number; tags: ["$initial"] }[] = [
  {
    name: "react",
    test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/,
    priority: 40,
    tags: ["$initial"],
  },
  {
    name: "mantine",
    test: /node_modules[\\/](@mantine|@floating-ui|react-remove-scroll|react-number-format|react-transition-group|react-style-singleton|use-callback-ref|use-sidecar|clsx|tslib)/,
    priority: 30,
    tags: ["$initial"],
  },
  { name: "tanstack", test: /node_modules[\\/]@tanstack[\\/]/, priority: 20, tags: ["$initial"] },
  { name: "trpc", test: /node_modules[\\/](@trpc)[\\/]/, priority: 20, tags: ["$initial"] },
  { name: "vendor", test: /node_modules[\\/]/, priority: 10, tags: ["$initial"] },
];

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      "/trpc": { target: server, changeOrigin: false },
      "/healthz": { target: server, changeOrigin: false },
      "/export": { target: server, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      "/trpc": { target: server, changeOrigin: false },
      "/healthz": { target: server, changeOrigin: false },
      "/export": { target: server, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: VENDOR_GROUPS,
        },
      },
    },
  },
});
