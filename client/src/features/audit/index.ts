export { auditSearchSchema } from "./search";
