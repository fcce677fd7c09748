/**
 * Where to go after sign-in. Only same-origin paths are accepted: a `redirect` search param that
 * points elsewhere ("//evil.example", "https://…", "/\\evil") would make the sign-in page an open
 * redirect, so it falls back to the directory instead.
 */
export const DEFAULT_AFTER_SIGN_IN = "/customers";

export function safeRedirect(target: string | undefined | null): string {
  if (!target) return DEFAULT_AFTER_SIGN_IN;
  if (!target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\")) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // Control characters can smuggle a scheme past the checks above in some URL parsers.
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return DEFAULT_AFTER_SIGN_IN;
  }
  if (target === "/sign-in" || target.startsWith("/sign-in?")) return DEFAULT_AFTER_SIGN_IN;
  return target;
}
