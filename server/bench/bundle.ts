/**
 * First-load JS of the directory route: build the client into a scratch folder (so a running
 * server's client/dist is left alone), then gzip every JS file index.html loads eagerly — its
 * module scripts and modulepreload links. Lazy route chunks (customer page, charts) do not count.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { fmtKB, fmtMs, type Row } from "./stats";

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

function eagerAssets(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) if (m[1]) out.add(m[1]);
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    if (/\brel="modulepreload"/.test(tag)) {
      const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
      if (href) out.add(href);
    }
  }
  return [...out];
}

const gz = (buf: Buffer) => gzipSync(buf, { level: 9 }).length;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function viteBuild(cwd: string, outDir: string): string | null {
  try {
    execFileSync("pnpm", ["exec", "vite", "build", "--outDir", outDir, "--emptyOutDir"], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    const text = `${e.stdout?.toString() ?? ""}\n${e.stderr?.toString() ?? ""}`
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, "");
    const line = text.split("\n").find((l) => /error|could not resolve/i.test(l));
    return (line ?? "vite build failed").trim().slice(0, 200);
  }
}

/**
 * The committed client (`git archive HEAD`, read-only) with the workspace's node_modules linked
 * in: used when the working tree does not build (a teammate mid-edit), so the figure still exists.
 */
function committedClient(): string {
  const dir = mkdtempSync(join(tmpdir(), "console-bench-head-"));
  const tar = execFileSync("git", ["archive", "HEAD", "client"], {
    cwd: repoRoot,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  symlinkSync(join(repoRoot, "client", "node_modules"), join(dir, "client", "node_modules"));
  return dir;
}

export async function benchBundle(): Promise<Row[]> {
  const section = "Client bundle (directory route)";
  const outDir = mkdtempSync(join(tmpdir(), "console-bench-client-"));
  const cleanup: string[] = [outDir];
  try {
    const t = performance.now();
    let source = "working tree";
    const failed = viteBuild(join(repoRoot, "client"), outDir);
    if (failed) {
      const head = committedClient();
      cleanup.push(head);
      const again = viteBuild(join(head, "client"), outDir);
      if (again) {
        return [
          { section, metric: "client build", value: "failed", note: `${failed}; HEAD: ${again}` },
        ];
      }
      source = `HEAD (working tree did not build: ${failed})`;
    }
    const buildMs = performance.now() - t;
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    const eager = eagerAssets(html).filter((a) => a.endsWith(".js"));
    let raw = 0;
    let gzipped = 0;
    const parts: string[] = [];
    for (const asset of eager) {
      const buf = readFileSync(join(outDir, asset.replace(/^\//, "")));
      raw += buf.length;
      const g = gz(buf);
      gzipped += g;
      parts.push(`${asset.split("/").pop()} ${fmtKB(g)}`);
    }
    const allJs = walk(outDir).filter((p) => p.endsWith(".js"));
    const allGz = allJs.reduce((s, p) => s + gz(readFileSync(p)), 0);
    return [
      {
        section,
        metric: "first-load JS, gzip (script + modulepreload)",
        value: fmtKB(gzipped),
        target: "≤ 200 KB",
        note: `client from ${source}; ${eager.length} files, ${fmtKB(raw)} raw: ${parts.join(", ")}`,
      },
      {
        section,
        metric: "all JS chunks, gzip (incl. lazy routes)",
        value: fmtKB(allGz),
        note: `${allJs.length} files; build ${fmtMs(buildMs)}`,
      },
    ];
  } finally {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  }
}
