/* kg search: matches the query against every entity's names (name, long form, aliases) in window.KG_SEARCH.
   Ranking: exact name, then prefix, then word start, then anywhere, then all words; more papers first. */
(function () {
  "use strict";
  var input = document.getElementById("kg-search");
  var list = document.getElementById("kg-results");
  if (!input || !list || !window.KG_SEARCH) return;
  var root = document.body.getAttribute("data-root") || "";
  var GLYPH = { Paper: "■", Method: "●", Model: "◆", Dataset: "▲", Benchmark: "★", Metric: "▼" };
  var LIMIT = 12;

  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^0-9a-z]+/g, " ").trim();
  }

  var entries = window.KG_SEARCH.map(function (row) {
    return { label: row[0], kind: row[1], papers: row[2], url: row[3], names: row[4], folded: row[4].map(fold) };
  });

  function score(query, words, name) {
    if (name === query) return 0;
    if (name.indexOf(query) === 0) return 1;
    if ((" " + name).indexOf(" " + query) >= 0) return 2;
    if (name.indexOf(query) >= 0) return 3;
    return words.every(function (word) { return name.indexOf(word) >= 0; }) ? 4 : 9;
  }

  function search(text) {
    var query = fold(text);
    if (!query) return [];
    var words = query.split(" ");
    var hits = [];
    entries.forEach(function (entry) {
      var best = 9, matched = entry.label;
      entry.folded.forEach(function (name, i) {
        var s = score(query, words, name);
        if (s < best) { best = s; matched = entry.names[i]; }
      });
      if (best < 9) hits.push({ entry: entry, score: best, matched: matched });
    });
    hits.sort(function (a, b) {
      return a.score - b.score || b.entry.papers - a.entry.papers || a.entry.label.localeCompare(b.entry.label);
    });
    return hits.slice(0, LIMIT);
  }

  var active = -1;

  function render(hits) {
    list.textContent = "";
    active = -1;
    hits.forEach(function (hit, i) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "kg-result-" + i;
      var link = document.createElement("a");
      link.href = root + hit.entry.url;
      var glyph = document.createElement("span");
      glyph.className = "glyph kind-" + hit.entry.kind;
      glyph.textContent = GLYPH[hit.entry.kind] || "●";
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = hit.entry.label;
      link.appendChild(glyph);
      link.appendChild(name);
      if (hit.matched !== hit.entry.label) {
        var alias = document.createElement("span");
        alias.className = "matched";
        alias.textContent = hit.matched;
        link.appendChild(alias);
      }
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = hit.entry.kind.toLowerCase() + " · " + hit.entry.papers + (hit.entry.papers === 1 ? " paper" : " papers");
      link.appendChild(meta);
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!hits.length && fold(input.value)) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "No entity is called that.";
      list.appendChild(none);
    }
    var open = list.children.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function select(index) {
    var items = list.querySelectorAll("li[role=option]");
    if (!items.length) return;
    active = (index + items.length) % items.length;
    Array.prototype.forEach.call(items, function (item, i) { item.classList.toggle("active", i === active); });
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  input.addEventListener("input", function () { render(search(input.value)); });
  input.addEventListener("focus", function () { if (input.value) render(search(input.value)); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { select(active + 1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { select(active - 1); event.preventDefault(); }
    else if (event.key === "Escape") { list.hidden = true; }
    else if (event.key === "Enter") {
      var links = list.querySelectorAll("li[role=option] a");
      if (links.length) window.location.href = links[Math.max(active, 0)].href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== input) list.hidden = true;
  });
  window.kgSearch = search;
})();
