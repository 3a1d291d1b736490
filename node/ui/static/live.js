// Live updates: when the node stores a record of the community this page
// shows, fetch the page again and swap in its live part. Without this
// script the pages work the same, only a reload shows what is new.
//
// The event stream is closed when the page is hidden: browsers keep left
// pages in their back/forward cache, and open streams there would use up
// the few connections a browser allows to one host. A page restored from
// that cache reconnects and refreshes.
// Files dropped on a form that takes files join its file picker, so a
// drag and drop does what choosing them would.
(function () {
  var inputs = document.querySelectorAll("form input[type=file]");
  Array.prototype.forEach.call(inputs, function (input) {
    var form = input.form;
    if (!form || !window.DataTransfer) return;
    form.addEventListener("dragover", function (e) {
      e.preventDefault();
      form.classList.add("dropping");
    });
    form.addEventListener("dragleave", function () { form.classList.remove("dropping"); });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      form.classList.remove("dropping");
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
      input.files = dt.files;
    });
  });
})();

// A form sent once is not sent again by a second click while the next
// page loads: a double click made two replies, or an error page for a
// reaction already counted. A page restored from the back/forward cache
// may send its forms again.
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-sent")) {
      e.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "");
  });
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sent]"), function (f) { f.removeAttribute("data-sent"); });
  });
})();

(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var community = live.getAttribute("data-community");
  var pending = false;
  var source = null;
  var shown = live.outerHTML; // the live part as the server last sent it
  // One fetch at a time, and one more after it if records came meanwhile:
  // two in flight could finish out of order, and the older page would
  // replace the newer one, hiding a record until the next.
  var fetching = false;
  var again = false;
  function refresh() {
    pending = false;
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r; }, function () { notAnswering(); return null; })
      .then(function (r) {
        if (!r) return null;
        if (r.status === 401) {
          ended();
          return null;
        }
        status(null);
        // What the page shows was deleted or hidden meanwhile: say so,
        // rather than leave it looking as if it were still there.
        if (r.status === 404) gone();
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        // Replace only what changed: a record that changes nothing shown
        // (or that the page already showed) leaves the page, its focus and
        // what the reader selected alone.
        if (fresh && fresh.outerHTML !== shown) {
          shown = fresh.outerHTML;
          swap(fresh);
        }
        watchFetches();
      })
      .catch(function () {}) // a page that changed under the script: the next refresh puts it right
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }
  // swap puts fresh in the live part's place, unless the reader is busy
  // in it: text typed in one of its forms, or a panel opened (a
  // moderation reason half written) would be lost. Then a button offers
  // the new version, and it comes by itself once the reader is done.
  // Focus stays on the same control in the new version.
  var waiting = null;
  function swap(fresh) {
    var current = document.getElementById("live");
    if (!current) return;
    if (busy(current)) {
      waiting = fresh;
      offer(current);
      return;
    }
    waiting = null;
    var focused = current.contains(document.activeElement) ? keyOf(document.activeElement) : null;
    current.replaceWith(fresh);
    if (focused) {
      var again = Array.prototype.find.call(fresh.querySelectorAll("a, button, input, select, textarea, summary"), function (e) { return keyOf(e) === focused; });
      if (again) again.focus({ preventScroll: true });
    }
    say("This page was updated with new activity.");
    staleForms(fresh.getAttribute("data-version"));
  }
  function busy(live) {
    // A panel with a form opened (moderation), not one that only shows
    // more (the network page's error details).
    if (live.querySelector("details[open] form")) return true;
    return Array.prototype.some.call(live.querySelectorAll("textarea, input:not([type=hidden]):not([type=submit])"), function (e) {
      if (e.type === "file") return e.files && e.files.length > 0;
      if (e.type === "checkbox" || e.type === "radio") return e.checked !== e.defaultChecked;
      return e.value !== e.defaultValue;
    });
  }
  // keyOf names a control so that its twin in a fresh copy of the page
  // can be found: the form it sends, its name and value, its text.
  function keyOf(e) {
    var form = e.form || e.closest("form");
    return [e.tagName, form ? form.getAttribute("action") : "", e.getAttribute("name") || "", e.getAttribute("value") || "",
      e.getAttribute("href") || "", e.id, e.tagName === "SUMMARY" ? e.textContent : ""].join("|");
  }
  function offer(live) {
    if (document.getElementById("live-waiting")) return;
    var p = notice(live, "live-waiting", "");
    p.id = "live-waiting";
    p.setAttribute("role", "status");
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = "Show new activity";
    b.addEventListener("click", function () {
      var fresh = waiting;
      waiting = null;
      p.remove();
      var current = document.getElementById("live");
      if (fresh && current) {
        current.replaceWith(fresh);
        // The button is gone with the old version: the reader goes on
        // from the top of the new one.
        fresh.setAttribute("tabindex", "-1");
        fresh.focus({ preventScroll: true });
        staleForms(fresh.getAttribute("data-version"));
      }
    });
    p.append("There is new activity. What you are writing here stays until you choose: ", b);
  }
  // The reader finished (closed the panel, emptied the field): the
  // waiting version comes in.
  document.addEventListener("toggle", function () { if (waiting) setTimeout(maybeSwap, 0); }, true);
  document.addEventListener("input", function () { if (waiting) setTimeout(maybeSwap, 0); }, true);
  function maybeSwap() {
    var current = document.getElementById("live");
    if (!waiting || !current || busy(current)) return;
    var w = document.getElementById("live-waiting");
    if (w) w.remove();
    swap(waiting);
  }
  // say tells screen readers, politely and at most every 30 seconds, that
  // the page changed.
  var said = 0;
  function say(text) {
    if (Date.now() - said < 30000) return;
    said = Date.now();
    var r = document.getElementById("live-said");
    if (!r) {
      r = document.createElement("p");
      r.id = "live-said";
      r.className = "sr-only";
      r.setAttribute("aria-live", "polite");
      document.body.append(r);
    }
    r.textContent = text;
  }
  // status shows, at the top of the page, why it stopped being live
  // (null: it is live again).
  function status(text) {
    var p = document.getElementById("live-status");
    if (!text) {
      if (p) p.remove();
      return;
    }
    if (!p) {
      var main = document.querySelector("main") || document.body;
      p = notice(main, "error", text);
      p.id = "live-status";
    }
    p.textContent = text;
  }
  var over = false;
  function ended() {
    over = true;
    if (source) source.close();
    source = null;
    status("Your session ended (the daemon restarted, or this browser was logged out). This page no longer updates, and its forms would not be saved. Run `kith ui` for a new login link, then reload this page (what you typed here stays until then).");
  }
  function notAnswering() {
    status("Kith is not answering: the daemon may have stopped. This page updates again once it is back.");
  }
  // The stream failed: the daemon stopped (the browser tries again by
  // itself) or it refused this session (the browser gives up). Look at
  // the page to tell which, and reconnect once it answers.
  var probing = false;
  function lost() {
    if (probing || over) return;
    probing = true;
    setTimeout(function () {
      fetch(location.href, { method: "HEAD", credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) return ended();
          if (!source || source.readyState === EventSource.CLOSED) connect();
        })
        .catch(function () {
          notAnswering();
          if (source && source.readyState === EventSource.CLOSED) source = null;
        })
        .then(function () {
          probing = false;
          if (!over && !source) lost(); // look again
        });
    }, 2000);
  }
  // A form outside the live part that was made for what the page showed
  // (a note's merge form, for its versions then) says so when that
  // changed: saving it would follow the old versions.
  function staleForms(version) {
    if (version === null) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-version]"), function (f) {
      if (f.getAttribute("data-version") === version || f.querySelector(".stale")) return;
      notice(f, "error stale", "The note changed since this form was opened: another member edited or merged it. Saving now still follows the versions shown when it was opened, and may leave the note in versions again: copy your text, then reload the page.");
    });
  }
  function gone() {
    var current = document.getElementById("live");
    if (!current || document.getElementById("live-gone")) return;
    notice(current, "error", "This is no longer shown: it was deleted or hidden since this page was loaded. Reload to see where it stands.").id = "live-gone";
  }
  // notice puts a notice first in parent, read out when it appears.
  function notice(parent, className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.setAttribute("role", "alert");
    p.textContent = text;
    parent.insertBefore(p, parent.firstChild);
    return p;
  }
  // While files are being fetched, look again every second: a fetch's
  // progress sends no event.
  function watchFetches() {
    if (!pending && document.querySelector("#live [data-fetching]")) {
      pending = true;
      setTimeout(refresh, 1000);
    }
  }
  function connect() {
    source = new EventSource("/ui/feed");
    source.addEventListener("error", lost);
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
    if (e.persisted && !over) {
      connect();
      refresh();
    }
  });
  connect();
  watchFetches();
})();
