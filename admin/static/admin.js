// Small progressive enhancement: every form works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Confirm destructive buttons.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var rows = document.getElementById("rows");
  if (!rows) return;

  // Offer only the operators that apply to the chosen field.
  function syncOperators(row) {
    var field = row.querySelector("select[name=field]");
    var op = row.querySelector("select[name=op]");
    var chosen = field.options[field.selectedIndex];
    var allowed = chosen && chosen.getAttribute("data-ops") ? chosen.getAttribute("data-ops").split(" ") : null;
    Array.prototype.forEach.call(op.options, function (option) {
      option.hidden = Boolean(allowed && option.value && allowed.indexOf(option.value) < 0);
    });
    if (op.selectedOptions.length && op.selectedOptions[0].hidden) op.value = "";
  }

  function wire(row) {
    row.querySelector("select[name=field]").addEventListener("change", function () { syncOperators(row); });
    var remove = row.querySelector(".remove-row");
    remove.hidden = false;
    remove.addEventListener("click", function () {
      if (rows.querySelectorAll(".rule-row").length > 1) row.remove();
      else row.querySelectorAll("select, input").forEach(function (el) { el.value = ""; });
    });
    syncOperators(row);
  }

  rows.querySelectorAll(".rule-row").forEach(wire);
  var add = document.getElementById("add-row");
  add.hidden = false;
  add.addEventListener("click", function () {
    var last = rows.querySelector(".rule-row:last-child");
    var copy = last.cloneNode(true);
    copy.querySelectorAll("select, input").forEach(function (el) { el.value = ""; });
    rows.appendChild(copy);
    wire(copy);
  });
});
