/**
 * Audit log checks from the command line:
 *   pnpm --filter server audit verify     exit 0 when the hash chain is intact, 1 when broken
 */
import path from "node:path";
import { loadConfig } from "../env";
import { openStore, repos as makeRepos } from "../store/index";

async function main() {
  const command = process.argv[2];
  if (command !== "verify") {
    console.error("usage: audit verify");
    process.exit(2);
  }
  const config = loadConfig();
  const store = await openStore(path.join(config.dataDir, "console.sqlite"));
  try {
    const r = await makeRepos(store).audit.verifyChain();
    if (r.ok) {
      console.log(`audit log intact: ${r.entries} entries, hash chain verified`);
    } else {
      console.error(
        `audit log BROKEN at entry ${r.brokenAt}: it was edited or removed outside the console`,
      );
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}

await main();
