/* Live figures of the financing plan (applications/edit.html).
 *
 * htmx posts the plan to the calculate endpoint and swaps in #figures. The answer lists every input
 * that is not valid ([data-live-error-for="<input id>"]); this script marks those inputs the way a
 * server-rendered error does: the KERN error classes, aria-invalid and the message next to the field,
 * referenced by aria-describedby. Marks from the previous answer are removed first.
 */
(function () {
  "use strict";

  var MARK = "data-live-marked";

  function tokens(value) {
    return (value || "").split(/\s+/).filter(Boolean);
  }

  function clear() {
    document.querySelectorAll("[" + MARK + "]").forEach(function (input) {
      var messageId = input.id + "_live_error";
      var message = document.getElementById(messageId);
      if (message) message.remove();
      var rest = tokens(input.getAttribute("aria-describedby")).filter(function (t) { return t !== messageId; });
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
      if (input.getAttribute(MARK) === "added") {
        input.removeAttribute("aria-invalid");
        input.classList.remove("kern-form-input__input--error");
        var group = input.closest(".kern-form-input");
        if (group) group.classList.remove("kern-form-input--error");
      }
      input.removeAttribute(MARK);
    });
  }

  function mark(item) {
    var input = document.getElementById(item.getAttribute("data-live-error-for"));
    if (!input) return;
    var text = item.querySelector("[data-message]");
    var messageId = input.id + "_live_error";
    input.setAttribute(MARK, input.getAttribute("aria-invalid") === "true" ? "kept" : "added");
    input.setAttribute("aria-invalid", "true");
    input.classList.add("kern-form-input__input--error");
    var group = input.closest(".kern-form-input");
    if (group) group.classList.add("kern-form-input--error");
    var box = document.createElement("div");
    box.id = messageId;
    var p = document.createElement("p");
    p.className = "kern-error";
    var icon = document.createElement("span");
    icon.className = "kern-icon kern-icon--danger kern-icon--default";
    icon.setAttribute("aria-hidden", "true");
    var body = document.createElement("span");
    body.className = "kern-body";
    body.textContent = text ? text.textContent : item.textContent;
    p.appendChild(icon);
    p.appendChild(body);
    box.appendChild(p);
    input.parentNode.insertBefore(box, input);
    var ids = tokens(input.getAttribute("aria-describedby"));
    if (ids.indexOf(messageId) === -1) ids.unshift(messageId);
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  function refresh() {
    var figures = document.getElementById("figures");
    if (!figures) return;
    clear();
    figures.querySelectorAll("[data-live-error-for]").forEach(mark);
  }

  document.addEventListener("htmx:afterSettle", refresh);
})();
