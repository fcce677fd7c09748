// The one place the client learns the server's shapes. Type-only: nothing from the server is bundled.
export type { AppRouter, RouterInputs, RouterOutputs } from "@console/server";
import type { RouterOutputs } from "@console/server";

export type SessionUser = NonNullable<RouterOutputs["session"]["me"]["user"]>;
export type Role = SessionUser["role"];
export type SessionConfig = RouterOutputs["session"]["config"];
export type CustomerRow = RouterOutputs["customers"]["list"]["items"][number];
export type CustomerDetail = RouterOutputs["customers"]["byId"];
export type CustomerKey = CustomerDetail["keys"][number];
export type Pool = CustomerDetail["identity"]["ratelimits"][number];
