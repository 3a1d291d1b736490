// Live updates: when the node stores a record of the community this page
// shows, fetch the page again and swap in its live part. Without this
// script the pages work the same, only a reload shows what is new.
//
// The event stream is closed when the page is hidden: browsers keep left
// pages in their back/forward cache, and open streams there would use up
// the few connections a browser allows to one host. A page restored from
// that cache reconnects and refreshes.
(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var community = live.getAttribute("data-community");
  var pending = false;
  var source = null;
  var shown = live.outerHTML; // the live part as the server last sent it
  function refresh() {
    pending = false;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        var current = document.getElementById("live");
        // Replace only what changed: a record that changes nothing shown
        // (or that the page already showed) leaves the page, its focus and
        // what the reader selected alone.
        if (fresh && current && fresh.outerHTML !== shown) {
          shown = fresh.outerHTML;
          current.replaceWith(fresh);
        }
      })
      .catch(function () {});
  }
  function connect() {
    source = new EventSource("/ui/feed");
    // Records stored between the page's rendering and the stream's
    // opening (or while it reconnected) sent no event to this page: look
    // once, on every opening.
    source.addEventListener("open", function () {
      if (!pending) {
        pending = true;
        setTimeout(refresh, 50);
      }
    });
    source.addEventListener("record", function (e) {
      // An empty data-community: a page about every community (home, the
      // network page), refreshed at most once a second while records
      // arrive, which shows a sync's progress.
      if ((community === "" || e.data === community) && !pending) {
        pending = true;
        setTimeout(refresh, community === "" ? 1000 : 200); // a burst of records, one refresh
      }
    });
  }
  window.addEventListener("pagehide", function () {
    if (source) source.close();
    source = null;
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      connect();
      refresh();
    }
  });
  connect();
})();
