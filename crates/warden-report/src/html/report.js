// Warden report: filters, search and paging over the embedded findings.
// Row fields: 0 id, 1 check, 2 title, 3 service, 4 status, 5 severity, 6 account,
// 7 region, 8 type, 9 arn, 10 message, 11 evidence, 12 remediation, 13 compliance,
// 14 muted by, 15 history [first, last, new]. Indices 1-3, 6-8, 12-14 point into `s`.
(function () {
  "use strict";
  var STATUS = ["FAIL", "ERROR", "MANUAL", "MUTED", "PASS"];
  var SEV = ["critical", "high", "medium", "low", "info"];
  var PAGE = 100;
  var S = [], F = [];
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  var matches = [], page = 0, open = {}, hay = null;

  function fill(id, values) {
    var sel = $(id);
    values.forEach(function (v) {
      var o = el("option", null, v[1]);
      o.value = v[0];
      sel.appendChild(o);
    });
  }
  function distinct(field) {
    var seen = {}, out = [];
    for (var i = 0; i < F.length; i++) {
      var k = F[i][field];
      if (!seen[k]) { seen[k] = 1; out.push([String(k), S[k]]); }
    }
    return out.sort(function (a, b) { return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0; });
  }

  function haystack(r) {
    return (r[0] + "\n" + S[r[1]] + "\n" + S[r[2]] + "\n" + r[9] + "\n" + r[10] + "\n" + S[r[8]] + "\n" + S[r[13]]).toLowerCase();
  }
  function value(id) { var v = $(id).value; return v === "" ? -1 : Number(v); }
  function apply() {
    var sev = value("f-severity"), st = value("f-status"), svc = value("f-service"),
        acct = value("f-account"), reg = value("f-region");
    var q = $("f-search").value.trim().toLowerCase();
    if (q && !hay) { hay = new Array(F.length); }
    matches = [];
    for (var i = 0; i < F.length; i++) {
      var r = F[i];
      if (sev >= 0 && r[5] !== sev) continue;
      if (st >= 0 && r[4] !== st) continue;
      if (svc >= 0 && r[3] !== svc) continue;
      if (acct >= 0 && r[6] !== acct) continue;
      if (reg >= 0 && r[7] !== reg) continue;
      if (q) {
        if (hay[i] === undefined) hay[i] = haystack(r);
        if (hay[i].indexOf(q) < 0) continue;
      }
      matches.push(i);
    }
    page = 0;
    draw();
  }

  function section(td, title, text, pre) {
    if (text === undefined || text === null || text === "") return;
    td.appendChild(el("h4", null, title));
    td.appendChild(el(pre ? "pre" : "p", null, text));
  }
  function detail(r) {
    var tr = el("tr", "detail"), td = el("td");
    td.colSpan = 7;
    td.appendChild(el("p", null, "Finding " + r[0] + " · check " + S[r[1]] + " · " + S[r[8]]));
    section(td, "Resource", r[9], false);
    if (r[14] !== null) section(td, "Muted by", S[r[14]], false);
    if (r[15]) section(td, "History", "first seen " + r[15][0] + ", last seen " + r[15][1] + (r[15][2] ? " (new since the last scan)" : ""), false);
    section(td, "Evidence", r[11] ? JSON.stringify(r[11], null, 2) : "(none recorded)", true);
    var rem = {};
    try { rem = JSON.parse(S[r[12]]); } catch (e) { rem = {}; }
    section(td, "Remediation", rem.text, false);
    section(td, "CLI", rem.cli, true);
    section(td, "Terraform", rem.terraform, true);
    section(td, "CloudFormation", rem.cloudformation, true);
    if (rem.references && rem.references.length) {
      td.appendChild(el("h4", null, "References"));
      var ul = el("ul");
      rem.references.forEach(function (u) {
        var li = el("li");
        if (/^https?:\/\//i.test(u)) {
          var a = el("a", null, u);
          a.href = u; a.rel = "noreferrer noopener"; a.target = "_blank";
          li.appendChild(a);
        } else {
          li.textContent = u;
        }
        ul.appendChild(li);
      });
      td.appendChild(ul);
    }
    section(td, "Compliance", S[r[13]].split(";").join(", "), false);
    tr.appendChild(td);
    return tr;
  }
  function draw() {
    var body = $("rows");
    var rows = document.createDocumentFragment();
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    if (page >= pages) page = pages - 1;
    var start = page * PAGE, end = Math.min(matches.length, start + PAGE);
    for (var k = start; k < end; k++) {
      var i = matches[k], r = F[i];
      var tr = el("tr", "finding");
      tr.dataset.index = String(i);
      tr.appendChild(el("td", "sev sev-" + SEV[r[5]], SEV[r[5]]));
      var st = el("td");
      st.appendChild(el("span", "st st-" + STATUS[r[4]].toLowerCase(), STATUS[r[4]]));
      if (r[15] && r[15][2]) st.appendChild(el("span", "badge", "new"));
      tr.appendChild(st);
      var chk = el("td", null, S[r[2]]);
      chk.title = S[r[1]];
      tr.appendChild(chk);
      tr.appendChild(el("td", "res", r[9]));
      tr.appendChild(el("td", null, S[r[6]]));
      tr.appendChild(el("td", null, S[r[7]]));
      tr.appendChild(el("td", null, r[10]));
      rows.appendChild(tr);
      if (open[i]) rows.appendChild(detail(r));
    }
    body.textContent = "";
    body.appendChild(rows);
    $("shown").textContent = matches.length === 0
      ? "No finding matches (" + F.length + " in total)"
      : "Showing " + (start + 1) + "–" + end + " of " + matches.length + " matching (" + F.length + " in total), page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  $("rows").addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr.finding");
    if (!tr) return;
    var i = Number(tr.dataset.index);
    if (open[i]) delete open[i]; else open[i] = true;
    draw();
  });
  ["f-severity", "f-status", "f-service", "f-account", "f-region"].forEach(function (id) {
    $(id).addEventListener("change", apply);
  });
  var timer = null;
  $("f-search").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
  $("f-reset").addEventListener("click", function () {
    ["f-severity", "f-status", "f-service", "f-account", "f-region", "f-search"].forEach(function (id) { $(id).value = ""; });
    apply();
  });
  $("prev").addEventListener("click", function () { page--; draw(); });
  $("next").addEventListener("click", function () { page++; draw(); });
  // The findings are gzip-compressed JSON in base64: inflate, then draw.
  function load() {
    var b64 = $("warden-data").textContent.replace(/\s+/g, "");
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  load().then(function (data) {
    S = data.s; F = data.f;
    fill("f-severity", SEV.map(function (s, i) { return [String(i), s]; }));
    fill("f-status", STATUS.map(function (s, i) { return [String(i), s]; }));
    fill("f-service", distinct(3));
    fill("f-account", distinct(6));
    fill("f-region", distinct(7));
    apply();
  }, function (e) {
    $("shown").textContent = "This browser could not read the embedded findings (" + e + "); a recent Chrome, Edge, Firefox or Safari can.";
  });
})();
