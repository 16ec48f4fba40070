// The projection's pictures (ECharts), drawn from the numbers of the page's own JSON block:
// this year's and next year's enrollment per school and grade as grouped bars, and a Sankey
// diagram of the students who change school.  The tables beside them are the accessible form
// of the same numbers.
"use strict";

(function () {
  const source = document.getElementById("projection-data");
  if (!source || !window.echarts) return;
  const projection = JSON.parse(source.textContent);
  const before = projection.year - 1;
  const after = projection.year;
  // Tooltips drawn on the canvas: an HTML tooltip would carry inline styles the page forbids.
  const tooltip = { renderMode: "richText", confine: true };
  const charts = [];

  // Grouped bars, this year's beside next year's, for each school's grades in their order; a
  // large district scrolls through them (the slider) rather than squeezing them.
  const SHOWN = 30;
  function drawGrades(element) {
    const rows = [];
    for (const school of projection.schools) {
      for (const g of school.grades) rows.push({ label: `${school.name} · ${g.grade}`, ...g });
    }
    const many = rows.length > SHOWN;
    element.style.height = `${Math.max(18, 6 + 1.6 * Math.min(rows.length, SHOWN))}rem`;
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      color: ["#8c8c8c", "#0a4fb3"],
      tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: { color: "#1b1b1b" } },
      grid: { left: 8, right: many ? 48 : 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: "#1b1b1b" } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label),
               axisLabel: { color: "#1b1b1b" } },
      dataZoom: many ? [
        { type: "slider", yAxisIndex: 0, right: 8, startValue: 0, endValue: SHOWN - 1 },
        { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true },
      ] : [],
      series: [
        { name: `${before}`, type: "bar", data: rows.map((r) => r.current) },
        { name: `${after} projected`, type: "bar", data: rows.map((r) => r.projected) },
      ],
    });
    return chart;
  }

  function drawFlows(element) {
    const names = new Map(projection.schools.map((s) => [s.school_id, s.name]));
    const name = (id) => names.get(id) || id;
    const nodes = new Map();
    const links = projection.flows.map((f) => {
      const from = `${name(f.from_school_id)} (${before})`;
      const to = `${name(f.to_school_id)} (${after})`;
      nodes.set(from, { name: from, depth: 0, label: { position: "right" } });
      nodes.set(to, { name: to, depth: 1, label: { position: "left" } });
      return { source: from, target: to, value: f.count };
    });
    element.style.height = `${Math.max(18, 4 + 2.5 * nodes.size)}rem`;
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      tooltip: { ...tooltip, trigger: "item" },
      series: [{
        type: "sankey", data: [...nodes.values()], links: links,
        left: 8, right: 8, top: 8, bottom: 8, nodeAlign: "justify",
        emphasis: { focus: "adjacency" },
        // Each label within its half of the chart: on a phone the names are cut short (the
        // table has them whole).
        label: { color: "#1b1b1b", width: Math.max(60, element.clientWidth / 2 - 40),
                 overflow: "truncate" },
        lineStyle: { color: "gradient", opacity: 0.45 },
      }],
    });
    return chart;
  }

  const grades = document.getElementById("grade-chart");
  if (grades) charts.push(drawGrades(grades));
  const flows = document.getElementById("flow-chart");
  if (flows) charts.push(drawFlows(flows));
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
