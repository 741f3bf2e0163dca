/* kg graph views: draws the JSON in <script type="application/json" id="graph-data"> with vis-network.
   Type filters hide node kinds; a click on a node opens its page; physics stops once the layout settles. */
(function () {
  "use strict";

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-graph"));
    if (!source || typeof vis === "undefined") return;
    var data = JSON.parse(source.textContent);
    var nodes = new vis.DataSet(data.nodes);
    var edges = new vis.DataSet(data.edges);
    var hidden = {};
    var view = new vis.DataView(nodes, { filter: function (node) { return !hidden[node.kind]; } });
    var network = new vis.Network(container, { nodes: view, edges: edges }, data.options);

    function settled() {
      network.setOptions({ physics: false });
      container.setAttribute("data-ready", "true");
    }
    network.once("stabilizationIterationsDone", settled);
    network.once("afterDrawing", function () { container.setAttribute("data-drawn", "true"); });
    network.on("click", function (event) {
      if (!event.nodes.length) return;
      var node = nodes.get(event.nodes[0]);
      if (node && node.url) window.location.href = node.url;
    });
    network.on("hoverNode", function () { container.style.cursor = "pointer"; });
    network.on("blurNode", function () { container.style.cursor = ""; });

    var boxes = document.querySelectorAll("input[data-kind-filter]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", function () {
        hidden[box.getAttribute("data-kind-filter")] = !box.checked;
        view.refresh();
      });
    });
    window.kgNetwork = network;
    window.kgNodes = nodes;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-graph]"), draw);
})();
