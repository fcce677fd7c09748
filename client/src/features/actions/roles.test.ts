import { describe, expect, it } from "vitest";
import { canChangePlan, canGrant } from "./roles";

describe("roles", () => {
  it.each([
    ["support", true, false],
    ["account_manager", true, true],
    ["admin", true, true],
    ["finance", false, false],
  ])("%s: grant %s, change plan %s", (role, grant, plan) => {
    expect(canGrant(role)).toBe(grant);
    expect(canChangePlan(role)).toBe(plan);
  });
});
