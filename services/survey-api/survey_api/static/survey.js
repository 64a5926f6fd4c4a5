// Enhancements only: the form works without this file. A progress bar, and a draft kept in sessionStorage so a
// reload or a lost connection does not lose the answers given so far.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft]");
  if (!form) return;
  var key = "survey-draft:" + form.getAttribute("data-draft");
  var questions = form.querySelectorAll("fieldset.question");
  var progress = form.querySelector(".progress");
  var bar = progress.querySelector(".bar span");
  var text = progress.querySelector("p");
  var zh = document.documentElement.lang === "zh-CN";

  function answered() {
    var n = 0;
    questions.forEach(function (q) { if (q.querySelector("input:checked")) n++; });
    return n;
  }
  function update() {
    var n = answered();
    bar.style.width = Math.round((100 * n) / questions.length) + "%";
    text.textContent = zh ? "已回答 " + n + " / " + questions.length : n + " of " + questions.length + " answered";
  }
  function save() {
    var data = {};
    new FormData(form).forEach(function (value, name) { if (name !== "lang") data[name] = value; });
    try { sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode: no draft */ }
  }
  function restore() {
    var data;
    try { data = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { data = null; }
    if (!data) return;
    Object.keys(data).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field) return;
      if (field instanceof RadioNodeList) {
        if (!form.querySelector("input[name='" + name + "']:checked")) field.value = data[name];
      } else if (!field.value) {
        field.value = data[name];
      }
    });
  }
  restore();
  progress.hidden = false;
  update();
  form.addEventListener("change", function () { update(); save(); });
  form.addEventListener("input", save);
  form.addEventListener("submit", function () { try { sessionStorage.removeItem(key); } catch (e) {} });
  var summary = document.getElementById("errors");
  if (summary) summary.focus();
})();
