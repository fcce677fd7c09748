// The directory's scroll container is identified for the router's scroll restoration: listed in
// `scrollToTopSelectors`, it goes back to the top on every navigation (a new search, filter or sort
// is a new list) and is restored on Back/Forward (returning to where the list was).
export const SCROLL_ID_ATTR = "data-scroll-restoration-id";
export const DIRECTORY_SCROLL_ID = "directory";
export const DIRECTORY_SCROLLER = `[${SCROLL_ID_ATTR}="${DIRECTORY_SCROLL_ID}"]`;
