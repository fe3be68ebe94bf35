// The article reader: a click on a highlight shows the facts and claims it supports.
// Everything is rendered by the server: the panel lists, for the passage, copies of the
// triples it supports from the list under the text (each with a link back to it).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var text = document.getElementById("text");
  var panel = document.getElementById("panel");
  if (!text || !panel) { return; }
  function fill(section) {
    var list = section.querySelector("ul.supports-of");
    if (!list || list.childElementCount || !list.dataset.s) { return; }
    list.dataset.s.split(" ").forEach(function (key) {
      var item = document.getElementById(key);
      if (!item) { return; }
      var copy = item.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll(".links, .where").forEach(function (e) { e.remove(); });
      var back = document.createElement("a");
      back.className = "to-triple";
      back.href = "#" + key;
      back.textContent = "\u2193";
      copy.appendChild(back);
      list.appendChild(copy);
    });
  }
  function show(keys) {
    panel.querySelectorAll("section.quote").forEach(function (s) { s.hidden = true; });
    var shown = 0;
    keys.forEach(function (k) {
      var s = document.getElementById("sup-" + k);
      if (s) { fill(s); s.hidden = false; panel.appendChild(s); shown += 1; }
    });
    document.getElementById("panel-hint").hidden = shown > 0;
    text.querySelectorAll("mark.selected").forEach(function (m) { m.classList.remove("selected"); });
    text.querySelectorAll("mark.hl").forEach(function (m) {
      if (m.dataset.q.split(" ").indexOf(keys[0]) >= 0) { m.classList.add("selected"); }
    });
  }
  function pick(event) {
    var mark = event.target.closest("mark.hl");
    if (mark) { show(mark.dataset.q.split(" ")); }
  }
  text.addEventListener("click", pick);
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(event); }
  });
  function fromHash() {
    var key = decodeURIComponent(location.hash.slice(1));
    if (/^q\d+-\d+$/.test(key)) { show([key]); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
});
