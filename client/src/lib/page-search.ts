// The `/` shortcut focuses "the search box of this page". Pages mark theirs with this attribute, so
// the shell needs no knowledge of any page.
export const PAGE_SEARCH_ATTR = "data-page-search";
export const pageSearchProps = { [PAGE_SEARCH_ATTR]: "" } as Record<string, string>;

export function focusPageSearch(root: ParentNode = document): boolean {
  const el = root.querySelector<HTMLInputElement>(`[${PAGE_SEARCH_ATTR}]`);
  if (!el) return false;
  el.focus();
  el.select();
  return true;
}

/** Typing in a field must never trigger single-key shortcuts. */
export function isEditableTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
