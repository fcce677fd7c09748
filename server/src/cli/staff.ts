/**
 * Staff administration from the command line (how live mode gets its first admin):
 *   pnpm --filter server staff add --email a@b.co --role admin [--name "A B"] [--password-stdin]
 *   pnpm --filter server staff list
 *   pnpm --filter server staff disable --email a@b.co     (also signs them out everywhere)
 *   pnpm --filter server staff enable --email a@b.co
 * Without --password-stdin a strong password is generated and printed once.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { hashPassword } from "../auth/password";
import { loadConfig } from "../env";
import { openStore, repos as makeRepos, roles, type Role } from "../store/index";

const usage = `usage: staff <add|list|disable|enable> [--email E] [--role ${roles.join("|")}] [--name N] [--password-stdin]`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
      "password-stdin": { type: "boolean", default: false },
    },
  });
  const command = positionals[0];
  const config = loadConfig();
  const store = await openStore(path.join(config.dataDir, "console.sqlite"));
  const repos = makeRepos(store);
  const now = Date.now();
  try {
    switch (command) {
      case "list": {
        const rows = await repos.staff.list();
        if (rows.length === 0)
          console.log("No staff yet. Add the first admin with: staff add --email … --role admin");
        for (const s of rows) {
          console.log(
            [
              s.email.padEnd(32),
              s.role.padEnd(16),
              s.disabled_at ? "disabled" : "active",
              s.name,
            ].join(" "),
          );
        }
        break;
      }
      case "add": {
        const email = values.email?.trim().toLowerCase();
        if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
          fail(`--email: a valid email is required\n${usage}`);
        const role = values.role as Role | undefined;
        if (!role || !roles.includes(role)) fail(`--role: one of ${roles.join(", ")}\n${usage}`);
        if (await repos.staff.byEmail(email)) fail(`--email: ${email} already exists`);
        let password = values["password-stdin"] ? await readStdin() : "";
        const generated = password === "";
        if (generated) password = randomBytes(18).toString("base64url");
        if (password.length < 12) fail("password: at least 12 characters");
        await repos.staff.create({
          email,
          role,
          name: values.name ?? email.split("@")[0]!,
          passwordHash: await hashPassword(password),
          now,
        });
        await repos.audit.append({
          at: now,
          actor: null,
          action: "staff.create",
          target: email,
          after: { email, role },
          meta: { via: "cli" },
        });
        console.log(`Added ${email} (${role}).`);
        if (generated) console.log(`Password (shown once): ${password}`);
        break;
      }
      case "disable":
      case "enable": {
        const email = values.email ?? fail(`--email is required\n${usage}`);
        const staff =
          (await repos.staff.byEmail(email)) ?? fail(`--email: no staff member ${email}`);
        await repos.staff.setDisabled(staff.id, command === "disable" ? now : null);
        if (command === "disable") await repos.sessions.deleteForStaff(staff.id);
        await repos.audit.append({
          at: now,
          actor: null,
          action: `staff.${command}`,
          target: staff.email,
          before: { disabled: staff.disabled_at !== null },
          after: { disabled: command === "disable" },
          meta: { via: "cli" },
        });
        console.log(`${command === "disable" ? "Disabled" : "Enabled"} ${staff.email}.`);
        break;
      }
      default:
        fail(usage);
    }
  } finally {
    await store.close();
  }
}

void main();
