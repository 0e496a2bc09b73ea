/* The first script of the page: asks for the default view at once, so the
 * server lays it out while the browser still loads and compiles
 * vis-network (page.js takes the answer over). Only for a page opened
 * without a view in its fragment, and never in a rendered file, whose data
 * is embedded. */
(function () {
  "use strict";
  if (location.hash.replace(/^#/, "") || document.getElementById("aiprogress-data")) return;
  window.aiprogressEarlyView = fetch("api/view", { headers: { Accept: "application/json" } });
})();
