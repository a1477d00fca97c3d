// The page the service worker shows when a page is requested while offline
// and no copy of it is cached: it tries again when asked or when back online.
import { translate } from "./i18n.js";

window.illuwa = { state: "offline" };
translate();
document.getElementById("retry").addEventListener("click", () => location.reload());
window.addEventListener("online", () => location.reload());
