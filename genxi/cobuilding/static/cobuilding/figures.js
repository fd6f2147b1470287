/* The co-building figures page's chart: needs met, resources offered and bookings served by
   month (bars) and the commitments' on-time rate (a line on the right axis), drawn from the JSON
   in #cobuilding-chart-data with ECharts (loaded before this file when there are figures). The
   period picker is activity-figures.js's. */
(function () {
  "use strict";
  (function draw() {
    const source = document.getElementById("cobuilding-chart-data");
    const box = document.getElementById("cobuilding-chart");
    if (!source || !box) return;
    if (!window.echarts) { setTimeout(draw, 50); return; }
    const data = JSON.parse(source.textContent);
    const chart = echarts.getInstanceByDom(box) || echarts.init(box);
    const bars = data.bars.map((s) => ({name: s.name, type: "bar", data: s.data}));
    const line = {name: data.line.name, type: "line", yAxisIndex: 1, connectNulls: true, data: data.line.data};
    chart.setOption({
      color: ["#b71c1c", "#1a56db", "#1b7f3b", "#b45309"],
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", data: [...bars, line].map((s) => s.name)},
      grid: {left: 40, right: 44, top: 48, bottom: 28},
      xAxis: {type: "category", data: data.months},
      yAxis: [{type: "value", minInterval: 1}, {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}],
      series: [...bars, line],
    });
    box.dataset.drawn = "1";  // the browser tests wait for this
    window.addEventListener("resize", () => chart.resize());
  })();
})();
