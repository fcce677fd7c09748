// The one place the client learns the server's shapes. Type-only: nothing from the server is bundled.
export type { AppRouter, RouterInputs, RouterOutputs } from "@console/server";
import type { RouterInputs, RouterOutputs } from "@console/server";

export type SessionUser = NonNullable<RouterOutputs["session"]["me"]["user"]>;
export type Role = SessionUser["role"];
export type SessionConfig = RouterOutputs["session"]["config"];
export type CustomerRow = RouterOutputs["customers"]["list"]["items"][number];
export type CustomerDetail = RouterOutputs["customers"]["byId"];
export type CustomerKey = CustomerDetail["keys"][number];
export type Pool = CustomerDetail["identity"]["ratelimits"][number];

export type DirectoryListInput = RouterInputs["directory"]["list"];
export type DirectoryList = RouterOutputs["directory"]["list"];
export type DirectoryRow = DirectoryList["rows"][number];
export type DirectoryRowStatus = DirectoryRow["status"];
export type DirectoryFlag = DirectoryRow["flags"][number];
export type SyncStatus = RouterOutputs["directory"]["syncStatus"];

export type CustomerSummary = CustomerDetail["summary"];
export type BillingSubscription = RouterOutputs["billing"]["subscription"];
export type SubscriptionItem = NonNullable<BillingSubscription["subscription"]>["items"][number];
export type BillingUsage = NonNullable<RouterOutputs["billing"]["usage"]>;
export type UpcomingInvoice = NonNullable<RouterOutputs["billing"]["upcomingInvoice"]>;
