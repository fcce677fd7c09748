export { FinancePage } from "./components/finance-page";
export { financeSearchSchema, type FinanceSearch } from "./search";
