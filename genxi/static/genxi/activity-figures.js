/* The activity figures' chart: participants by month, stacked by kind, from the JSON in
   #activity-chart-data (ECharts, loaded before this file). */
(function draw() {
  "use strict";
  if (!window.echarts) { setTimeout(draw, 50); return; }
  const source = document.getElementById("activity-chart-data");
  const box = document.getElementById("activity-chart");
  if (!source || !box) return;
  const data = JSON.parse(source.textContent);
  const colours = ["#b71c1c", "#1a56db", "#1b7f3b", "#b45309", "#6d28d9", "#0e7490", "#be185d", "#4b5563"];
  const chart = echarts.getInstanceByDom(box) || echarts.init(box);
  chart.setOption({
    color: colours,
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {data: data.series.map((s) => s.name)},
    grid: {left: 40, right: 12, top: 40, bottom: 28},
    xAxis: {type: "category", data: data.months},
    yAxis: {type: "value", minInterval: 1},
    series: data.series.map((s) => ({name: s.name, type: "bar", stack: "kinds", data: s.data})),
  });
  box.dataset.drawn = "1";  // tests wait for this
  window.addEventListener("resize", () => chart.resize());
})();
