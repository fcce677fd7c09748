export { UsageSection, type UsageKeyOption } from "./components/usage-section";
export { usageSearchSchema, usageSearchShape, type UsageSearch } from "./search";
