/** analytics.getVerifications */
import { getVerificationsBody, parseBody } from "../validation";
import type { Handler } from "./context";

export const getVerifications: Handler = (ctx, raw) => {
  const body = parseBody(getVerificationsBody, raw);
  return { data: ctx.analytics.run(body.query, ctx.now) };
};
