export { SignInPage } from "./components/sign-in-page";
export { signInSearchSchema, type SignInSearch } from "./search";
export { safeRedirect, DEFAULT_AFTER_SIGN_IN } from "./safe-redirect";
export { useSignOut } from "./use-sign-out";
