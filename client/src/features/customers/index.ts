export { CustomersPage } from "./components/customers-page";
export { customersSearchSchema, customerSearchSchema, type CustomersSearch } from "./search";
