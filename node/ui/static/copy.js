// Copy buttons: a button with data-copy="ID" copies the value of the field
// with that id, and says so in the element named by data-status. Without
// this script the button stays hidden and the field can be selected and
// copied by hand; where the browser refuses to copy, the field is left
// selected so that Ctrl+C copies it.
(function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var status = document.getElementById(button.getAttribute("data-status"));
    function say(text) {
      if (status) status.textContent = text;
    }
    function select() {
      field.focus();
      field.select();
      field.setSelectionRange(0, field.value.length);
    }
    function byCommand() {
      select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      if (ok) {
        button.focus();
        say("Copied.");
      } else {
        say("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      say("");
      if (!navigator.clipboard || !navigator.clipboard.writeText) {
        byCommand();
        return;
      }
      navigator.clipboard.writeText(field.value).then(function () {
        field.select(); // shows what was copied
        say("Copied.");
      }, byCommand);
    });
  });
})();
