import { getRouteApi } from "@tanstack/react-router";
import { CustomerActions, LedgerSection } from "../features/actions";
import { CustomerPage } from "../features/customers/components/customer-page";
import { UsageSection, type UsageSearch } from "../features/usage";

const route = getRouteApi("/_app/customers/$externalId");

/** The customer page with the usage charts in it; loaded lazily by the router. */
export function CustomerRoutePage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const onSearchChange = (patch: Partial<UsageSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true, resetScroll: false });
  return (
    <CustomerPage
      actions={(detail) => <CustomerActions detail={detail} />}
      ledger={(detail) => <LedgerSection externalId={detail.identity.externalId} />}
      usage={(detail) => (
        <UsageSection
          externalId={detail.identity.externalId}
          keys={detail.keys}
          search={search}
          onSearchChange={onSearchChange}
        />
      )}
    />
  );
}
