// Live incidents list: the server sends each changed incident's row as it changes (server-sent
// events); the row moves to the top. Served from this server only (the Content-Security-Policy
// allows no inline script). Row HTML is rendered, and escaped, by the server.
(function () {
  "use strict";
  var table = document.getElementById("incidents");
  if (!table || !table.dataset.live) return;
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var source = new EventSource(table.dataset.live);

  function say(text) { if (status) status.textContent = text; }
  function rowOf(id) { return body.querySelector('tr[data-id="' + Number(id) + '"]'); }

  source.addEventListener("open", function () { say("live"); });
  source.addEventListener("error", function () { say("reconnecting…"); });
  source.addEventListener("upsert", function (event) {
    var data = JSON.parse(event.data);
    var template = document.createElement("template");
    template.innerHTML = data.html.trim();
    var row = template.content.firstElementChild;
    var old = rowOf(data.id);
    var changed = !old || old.dataset.version !== String(data.version);
    if (old) old.remove();
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    body.insertBefore(row, body.firstChild);
    if (changed) row.classList.add("fresh");
  });
  source.addEventListener("remove", function (event) {
    var old = rowOf(JSON.parse(event.data).id);
    if (old) old.remove();
  });
})();
