export { CustomerActions } from "./components/customer-actions";
export { LedgerSection } from "./components/ledger-section";
