// The projection's pictures (ECharts), drawn from the chart definitions of the JSON block
// `projection-charts`: ECharts option objects built in Python (rollover.reports.
// projection_charts) from the same numbers as the tables beside them, which are the accessible
// form of those numbers.  The projection page loads this script; a run's HTML report inlines
// it, with the same definitions.
"use strict";

(function () {
  const source = document.getElementById("projection-charts");
  if (!source || !window.echarts) return;
  const definitions = JSON.parse(source.textContent);
  const charts = [];
  for (const chart of definitions.charts) {
    const element = document.getElementById(chart.id);
    if (!element) continue;
    element.style.height = `${chart.height_rem}rem`;
    for (const series of chart.option.series) {
      // Each label of a Sankey diagram within its half of the chart: on a phone the names are
      // cut short (the table has them whole).
      if (series.type === "sankey") {
        series.label.width = Math.max(60, element.clientWidth / 2 - 40);
      }
    }
    const drawn = echarts.init(element, null, { renderer: definitions.renderer });
    drawn.setOption(chart.option);
    charts.push(drawn);
  }
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);
  // Printed, a chart takes the paper's width.
  window.addEventListener("beforeprint", resize);
})();
