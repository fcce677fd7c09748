// Mirrors Mantine's ColorSchemeScript: read the persisted choice and set the attribute Mantine's CSS
// keys on, before React loads. "auto" follows the operating system.
(function () {
  try {
    var saved = window.localStorage.getItem("mantine-color-scheme-value");
    var scheme = saved === "light" || saved === "dark" ? saved : "auto";
    var resolved =
      scheme === "auto"
        ? window.matchMedia("(prefers-color-scheme: dark)").matches
          ? "dark"
          : "light"
        : scheme;
    document.documentElement.setAttribute("data-mantine-color-scheme", resolved);
  } catch (e) {
    // Storage blocked: Mantine applies its default once React runs.
  }
})();
