// Draws every Plotly figure that arrives in the page, on first load and after htmx swaps.
// The figure JSON comes from a json_script element named by the chart's data-figure.
(function () {
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  // On touch screens and narrow widths the mode bar has no hover to hide behind: it would
  // sit over the version markers' labels.
  if (window.matchMedia("(hover: none), (pointer: coarse), (max-width: 760px)").matches) {
    config.displayModeBar = false;
  }

  function draw(root) {
    root.querySelectorAll("[data-figure]").forEach(function (chart) {
      var source = document.getElementById(chart.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(chart, figure.data, figure.layout, config);
    });
  }

  htmx.onLoad(function (element) {
    draw(element);
  });

  // A responsive chart listens to the window's resizes until it is purged: purge each chart
  // that a swap removes, or every timeframe switch would leave its listeners behind.
  // htmx sends this event for every element it takes out of the page.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var element = event.target;
    if (element.matches && element.matches("[data-figure]") && element._fullLayout) {
      Plotly.purge(element);
    }
  });
})();
