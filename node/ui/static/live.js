// Live updates: when the node stores a record of the community this page
// shows, fetch the page again and swap in its live part. Without this
// script the pages work the same, only a reload shows what is new.
(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var community = live.getAttribute("data-community");
  var pending = false;
  function refresh() {
    pending = false;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        var current = document.getElementById("live");
        if (fresh && current) current.replaceWith(fresh);
      });
  }
  var source = new EventSource("/ui/feed");
  source.addEventListener("record", function (e) {
    if (e.data === community && !pending) {
      pending = true;
      setTimeout(refresh, 200); // a burst of records, one refresh
    }
  });
})();
