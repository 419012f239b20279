// Upload form: send files or one pasted article with the token header, then poll the job.
// Messages are shown with textContent only.
"use strict";
(function () {
  var form = document.getElementById("upload");
  if (!form) { return; }
  var $ = function (id) { return document.getElementById(id); };

  function show(job) {
    $("progress").hidden = false;
    var bar = $("progress-bar");
    bar.max = Math.max(job.total, 1);
    bar.value = job.status === "done" ? bar.max : job.done;
    $("progress-stage").textContent = "Job " + job.id.slice(0, 8) + ": " + job.status + " (" + job.stage + (job.total ? " " + job.done + "/" + job.total : "") + ")";
    $("progress-message").textContent = job.message || "";
    var links = $("progress-links");
    links.textContent = "";
    (job.articles || []).forEach(function (id) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "/articles/" + encodeURIComponent(id);
      a.textContent = "article " + id;
      li.appendChild(a);
      links.appendChild(li);
    });
    ((job.result && job.result.events_created) || []).concat(Object.values((job.result && job.result.events_replaced) || {})).forEach(function (id) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "/events/" + encodeURIComponent(id);
      a.textContent = "event " + id;
      li.appendChild(a);
      links.appendChild(li);
    });
    (job.errors || []).concat(job.skipped || []).forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.reason ? (e.input + ": " + e.reason) : (e.input + ": already stored as " + e.same_as);
      links.appendChild(li);
    });
  }

  function poll(url) {
    fetch(url).then(function (r) { return r.json(); }).then(function (job) {
      show(job);
      if (job.status === "queued" || job.status === "running") { setTimeout(function () { poll(url); }, 500); }
      else { form.setAttribute("data-done", job.status); }
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var headers = { Authorization: "Bearer " + $("token").value }, body, url;
    var files = $("files").files;
    if (files.length) {
      body = new FormData();
      for (var i = 0; i < files.length; i++) { body.append("files", files[i]); }
      url = "/api/v1/ingest/files";
    } else {
      var article = { text: $("a-text").value };
      ["title", "outlet", "published"].forEach(function (k) { var v = $("a-" + k).value.trim(); if (v) { article[k] = v; } });
      body = JSON.stringify({ articles: [article] });
      headers["Content-Type"] = "application/json";
      url = "/api/v1/ingest/articles";
    }
    $("progress").hidden = false;
    $("progress-stage").textContent = "sending…";
    fetch(url, { method: "POST", headers: headers, body: body })
      .then(function (r) { return r.json().then(function (data) { return [r, data]; }); })
      .then(function (pair) {
        var r = pair[0], data = pair[1];
        if (!r.ok) { $("progress-stage").textContent = "Refused: " + ((data.error && data.error.message) || r.status); form.setAttribute("data-done", "refused"); return; }
        poll(data.job.poll);
      })
      .catch(function (err) { $("progress-stage").textContent = "Upload failed: " + err.message; });
  });
})();
