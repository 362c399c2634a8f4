/* Partner municipalities (templates/applications/_partners.html).
 *
 * Without JavaScript the field is a plain list of checkboxes. This script adds
 *  - a filter box: typing narrows the list (case and accents ignored), the number of matches is
 *    announced; Enter in the box does not submit the form;
 *  - the chosen partners above the list, each with a "… entfernen" button that unticks it.
 * The checkboxes stay the form's only data: what is ticked is what is saved.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/ß/g, "ss").trim();
  }

  function init(picker) {
    var list = picker.querySelector("[data-list]");
    var filterBox = picker.querySelector("[data-filter]");
    var input = filterBox.querySelector("input");
    var count = picker.querySelector("[data-count]");
    var chosen = picker.querySelector("[data-chosen]");
    var chosenLabel = picker.querySelector("[data-chosen-label]");
    var chips = picker.querySelector("[data-chips]");
    var options = Array.prototype.map.call(list.querySelectorAll("[data-option]"), function (el) {
      var box = el.querySelector("input[type=checkbox]");
      var label = el.querySelector("label");
      return { el: el, box: box, name: label.textContent.trim(), key: fold(label.textContent) };
    });

    function announce(n) {
      var text = n === 0 ? count.dataset.none : n === 1 ? count.dataset.one : count.dataset.many.replace("%(n)s", n);
      count.textContent = text;
    }

    function applyFilter() {
      var q = fold(input.value);
      var shown = 0;
      options.forEach(function (o) {
        var match = !q || o.key.indexOf(q) !== -1;
        o.el.hidden = !match;
        if (match) shown += 1;
      });
      announce(shown);
    }

    function renderChosen() {
      var ticked = options.filter(function (o) { return o.box.checked; });
      chips.textContent = "";
      chosenLabel.textContent = ticked.length ? chosenLabel.dataset.some.replace("%(n)s", ticked.length)
        : chosenLabel.dataset.none;
      ticked.forEach(function (o) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.className = "kern-body";
        name.textContent = o.name;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "kern-btn kern-btn--tertiary kern-btn--x-small";
        button.setAttribute("aria-label", chips.dataset.removeName.replace("%(name)s", o.name));
        var text = document.createElement("span");
        text.className = "kern-label";
        text.textContent = chips.dataset.removeLabel;
        button.appendChild(text);
        button.addEventListener("click", function () {
          o.box.checked = false;
          o.box.dispatchEvent(new Event("change", { bubbles: true }));
          var next = chips.querySelector("button") || input;
          next.focus();
        });
        li.appendChild(name);
        li.appendChild(button);
        chips.appendChild(li);
      });
    }

    filterBox.hidden = false;
    chosen.hidden = false;
    input.addEventListener("input", applyFilter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = options.find(function (o) { return !o.el.hidden; });
        if (first) first.box.focus();
      }
    });
    list.addEventListener("change", renderChosen);
    applyFilter();
    renderChosen();
  }

  function start() {
    document.querySelectorAll("[data-partner-picker]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
