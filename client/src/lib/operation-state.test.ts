import { describe, expect, it } from "vitest";
import { OPERATION_STATES, operationOutcomeTitle, operationStateInfo } from "./operation-state";

describe("operationStateInfo", () => {
  it("has a label for every state", () => {
    for (const s of OPERATION_STATES) expect(operationStateInfo(s).label).toBeTruthy();
  });
  it("maps states to words", () => {
    expect(operationStateInfo("done").label).toBe("Done");
    expect(operationStateInfo("awaiting_approval").label).toBe("Awaiting approval");
    expect(operationStateInfo("needs_review").tone).toBe("warning");
    expect(operationStateInfo("unkey_applied").label).toBe("In progress");
    expect(operationStateInfo("mystery").label).toBe("mystery");
  });
});

describe("operationOutcomeTitle", () => {
  it("says what happened", () => {
    expect(operationOutcomeTitle("grant", "done")).toBe("Grant applied");
    expect(operationOutcomeTitle("grant", "awaiting_approval")).toBe("Grant sent for approval");
    expect(operationOutcomeTitle("plan_change", "failed")).toBe("Plan change failed");
  });
});
