import pino, { type Logger } from "pino";
import type { Config } from "./env";

/** Structured JSON logs; anything that could carry a secret is redacted at the source. */
export function createLogger(config: Pick<Config, "logLevel" | "nodeEnv">): Logger {
  return pino({
    level: config.nodeEnv === "test" ? "silent" : config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.password",
        "*.rootKey",
        "*.secretKey",
        "*.token",
      ],
      censor: "[redacted]",
    },
  });
}
