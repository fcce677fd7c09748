/**
 * Starts the built console in sandbox mode on free ports with a fresh data folder, waits for
 * /healthz, and hands the URLs to the tests through process.env (inherited by workers).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return; // testing an already running console
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "console-e2e-"));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.join(root, "server"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      UNKEY_ROOT_KEY: "",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      SANDBOX_UNKEY_PORT: "0",
      SANDBOX_STRIPE_PORT: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const found = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`console did not start in 120 s:\n${output}`)),
      120_000,
    );
    const vars: Record<string, string> = {};
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split("\n")) {
        const m = /^(UNKEY_URL|STRIPE_URL)=(\S+)$/.exec(line.trim());
        if (m) vars[m[1]!] = m[2]!;
        const l = /listening on (http:\/\/\S+)/.exec(line);
        if (l) vars.BASE_URL = l[1]!;
      }
      if (vars.BASE_URL && vars.UNKEY_URL && vars.STRIPE_URL) {
        clearTimeout(timer);
        resolve(vars);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`console exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  process.env.E2E_BASE_URL = found.BASE_URL;
  process.env.E2E_UNKEY_URL = found.UNKEY_URL;
  process.env.E2E_STRIPE_URL = found.STRIPE_URL;

  const health = await fetch(`${found.BASE_URL}/healthz`);
  if (!health.ok) throw new Error(`/healthz answered ${health.status}`);

  return async () => {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
