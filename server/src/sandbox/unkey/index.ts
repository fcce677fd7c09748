export {
  UnkeyEmulator,
  keyspaceIdFor,
  unkeyEndpoints,
  type UnkeyEmulatorOptions,
} from "./emulator";
export { errorTypes as unkeyErrorTypes } from "./errors";
export { refillsAt, midnightsBetween } from "./refill";
