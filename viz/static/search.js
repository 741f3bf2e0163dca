/* kg search: the name lookup of the command line and the Python API (kg/graph/names.py), in the browser.
   window.KG_SEARCH holds every entity's names and their folded keys (computed by kg.graph.names.lookup_key);
   what is typed is folded here by the same rules (case, accents, separators, British spellings, acronym plurals).
   Ranking: a name as written, then the same folded key (these two are what `kg query` answers), then prefix,
   word start, anywhere, all words; more papers first. Nothing found: "Did you mean" the closest names, scored
   as kg.graph.names.similarity scores them. */
(function () {
  "use strict";
  var DATA = window.KG_SEARCH;
  if (!DATA) return;
  var input = document.getElementById("kg-search");
  var list = document.getElementById("kg-results");
  var root = document.body.getAttribute("data-root") || "";
  var GLYPH = { Paper: "■", Method: "●", Model: "◆", Dataset: "▲", Benchmark: "★", Metric: "▼" };
  var LIMIT = 12;
  var SPELLING = {};
  (DATA.spelling || []).forEach(function (pair) { SPELLING[pair[0]] = pair[1]; });

  function fold(text) {  /* kg.ids.fold_text */
    return String(text).normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase().replace(/ß/g, "ss")
      .replace(/[^0-9a-z]+/g, " ").trim();
  }

  function isUpper(text) {  /* Python's str.isupper */
    return text !== text.toLowerCase() && text === text.toUpperCase();
  }

  function stripPlural(word) {  /* kg.extract.shapes.strip_plural */
    var stem = word.slice(0, -1);
    if (word.length >= 3 && word.slice(-1) === "s" && isUpper(stem) && /\p{L}/u.test(stem)) return stem;
    if (word.slice(-1) === "s" && stem.length >= 2 && isUpper(stem.slice(-1))) {
      var upper = 0;
      for (var i = 0; i < stem.length; i++) if (isUpper(stem[i])) upper++;
      if (upper >= 2) return stem;
    }
    return null;
  }

  function spellingKey(text) {  /* kg.extract.gazetteer.spelling_key */
    var spelled = String(text).split("+").join(" plus ").split("*").join(" star ").split("@").join(" at ");
    return fold(spelled).split(" ").filter(Boolean).map(function (w) {
      return Object.prototype.hasOwnProperty.call(SPELLING, w) ? SPELLING[w] : w;
    }).join(" ");
  }

  function lookupKey(text) {  /* kg.graph.names.lookup_key */
    var name = String(text).trim();
    return spellingKey(stripPlural(name) || name).replace(/ /g, "");
  }

  function lcs(a, b) {
    var previous = new Array(b.length + 1).fill(0), current = new Array(b.length + 1).fill(0);
    for (var i = 1; i <= a.length; i++) {
      for (var j = 1; j <= b.length; j++) {
        current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
      }
      var swap = previous; previous = current; current = swap;
    }
    return previous[b.length];
  }

  function similarity(typed, key) {  /* kg.graph.names.similarity */
    var total = typed.length + key.length;
    var score = total ? 100 * (1 - (total - 2 * lcs(typed, key)) / total) : 100;
    if (typed.length >= 3 && key.indexOf(typed) === 0 && score < DATA.prefix) return DATA.prefix;
    return score;
  }

  var entries = DATA.entities.map(function (row) {
    return { label: row[0], kind: row[1], papers: row[2], url: row[3], names: row[4], keys: row[5],
             mentions: row[6], folded: row[4].map(fold) };
  });

  function byName(a, b) {
    var x = a.label.toLowerCase(), y = b.label.toLowerCase();
    return x < y ? -1 : x > y ? 1 : (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);
  }

  function suggest(key) {
    if (!key) return [];
    var scored = [];
    entries.forEach(function (entry) {
      var best = -1;
      entry.keys.forEach(function (other) {
        if (!other) return;
        var s = similarity(key, other);
        if (s >= DATA.cutoff && s > best) best = s;
      });
      if (best >= 0) scored.push({ entry: entry, score: best });
    });
    scored.sort(function (a, b) {
      return b.score - a.score || b.entry.mentions - a.entry.mentions || byName(a.entry, b.entry);
    });
    return scored.slice(0, DATA.suggestions).map(function (hit) { return hit.entry; });
  }

  /* what `kg query` / kg.api.lookup answer: exact names, else folded keys, else suggestions */
  function lookup(text) {
    var wanted = String(text).trim(), key = lookupKey(text);
    var exact = entries.filter(function (e) { return e.names.indexOf(wanted) >= 0; });
    if (exact.length) return { how: "exact", answer: exact, suggestions: [] };
    var folded = key ? entries.filter(function (e) { return e.keys.indexOf(key) >= 0; }) : [];
    if (folded.length) return { how: "folded", answer: folded, suggestions: [] };
    return { how: "", answer: [], suggestions: suggest(key) };
  }

  function score(raw, key, query, words, entry, i) {
    if (entry.names[i] === raw) return 0;
    if (key && entry.keys[i] === key) return 1;
    var name = entry.folded[i];
    if (name.indexOf(query) === 0 || (key && entry.keys[i].indexOf(key) === 0)) return 2;
    if ((" " + name).indexOf(" " + query) >= 0) return 3;
    if (name.indexOf(query) >= 0) return 4;
    return words.every(function (word) { return name.indexOf(word) >= 0; }) ? 5 : 9;
  }

  function search(text) {
    var raw = String(text).trim(), query = fold(text), key = lookupKey(text);
    if (!query) return [];
    var words = query.split(" ");
    var hits = [];
    entries.forEach(function (entry) {
      var best = 9, matched = entry.label;
      for (var i = 0; i < entry.names.length; i++) {
        var s = score(raw, key, query, words, entry, i);
        if (s < best) { best = s; matched = entry.names[i]; }
      }
      if (best < 9) hits.push({ entry: entry, score: best, matched: matched });
    });
    hits.sort(function (a, b) {
      return a.score - b.score || b.entry.papers - a.entry.papers || byName(a.entry, b.entry);
    });
    return hits.slice(0, LIMIT);
  }

  window.kgSearch = search;
  window.kgLookup = function (text) {
    var found = lookup(text);
    var labels = function (list) { return list.map(function (e) { return e.label; }); };
    return { how: found.how, answer: labels(found.answer).sort(), suggestions: labels(found.suggestions) };
  };
  if (!input || !list) return;

  var active = -1;

  function link(entry, matched) {
    var a = document.createElement("a");
    a.href = root + entry.url;
    var glyph = document.createElement("span");
    glyph.className = "glyph kind-" + entry.kind;
    glyph.textContent = GLYPH[entry.kind] || "●";
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = entry.label;
    a.appendChild(glyph);
    a.appendChild(name);
    if (matched && matched !== entry.label) {
      var alias = document.createElement("span");
      alias.className = "matched";
      alias.textContent = matched;
      a.appendChild(alias);
    }
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = entry.kind.toLowerCase() + " · " + entry.papers + (entry.papers === 1 ? " paper" : " papers");
    a.appendChild(meta);
    return a;
  }

  function option(i, entry, matched, className) {
    var item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = "kg-result-" + i;
    if (className) item.className = className;
    item.appendChild(link(entry, matched));
    list.appendChild(item);
  }

  function render(hits) {
    list.textContent = "";
    active = -1;
    hits.forEach(function (hit, i) { option(i, hit.entry, hit.matched, hit.score <= 1 ? "answer" : ""); });
    if (!hits.length && fold(input.value)) {
      var close = suggest(lookupKey(input.value));
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = close.length ? "No entity is called that. Did you mean:" : "No entity is called that.";
      list.appendChild(none);
      close.forEach(function (entry, i) { option(i, entry, null, "suggestion"); });
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
})();
