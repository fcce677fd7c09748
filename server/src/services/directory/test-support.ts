/** Directory tests use the shared sandbox wiring; kept as a module so imports stay short. */
export {
  depsFor,
  fastRetry,
  startTestSandbox as startSmallSandbox,
  type Sandbox,
} from "../../testing/sandbox";
