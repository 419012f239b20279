// Scroll each mention's article text to its highlighted evidence (no page content is read as markup).
"use strict";
document.querySelectorAll("pre.evidence-text").forEach(function (pre) {
  var mark = pre.querySelector(".ev");
  if (mark) { pre.scrollTop = Math.max(0, mark.offsetTop - pre.offsetTop - 40); }
});
