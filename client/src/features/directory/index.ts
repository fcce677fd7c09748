export { DirectoryPage } from "./components/directory-page";
export { directorySearchSchema, type DirectorySearch } from "./search";
export { DIRECTORY_SCROLLER } from "./scroll";
