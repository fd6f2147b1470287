/* The dashboard's charts, drawn from the JSON in #dashboard-charts (ECharts, loaded before):
   the 12-month trend of demands and a bar chart per list figure. SVG renderer: prints sharply. */
(function draw() {
  "use strict";
  if (!window.echarts) { setTimeout(draw, 50); return; }
  const source = document.getElementById("dashboard-charts");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const red = "#b71c1c", green = "#1b7f3b";
  const charts = [];
  function make(box) {
    const chart = echarts.getInstanceByDom(box) || echarts.init(box, null, {renderer: "svg"});
    charts.push(chart);
    return chart;
  }
  const trendBox = document.getElementById("chart-trend");
  if (data.trend && trendBox) {
    const t = data.trend;
    make(trendBox).setOption({
      animation: false,
      tooltip: {trigger: "axis"}, legend: {data: [t.labels.collected, t.labels.resolved]},
      grid: {left: 40, right: 12, top: 36, bottom: 28},
      xAxis: {type: "category", data: t.months}, yAxis: {type: "value", minInterval: 1},
      series: [
        {name: t.labels.collected, type: "bar", data: t.collected, itemStyle: {color: red}},
        {name: t.labels.resolved, type: "line", data: t.resolved, itemStyle: {color: green}},
      ],
    });
  }
  (data.lists || []).forEach(function (list) {
    const box = document.getElementById(list.id);
    if (!box) return;
    box.style.height = Math.max(120, 28 * list.labels.length + 30) + "px";
    make(box).setOption({
      animation: false,
      tooltip: {}, grid: {left: 100, right: 16, top: 8, bottom: 24},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", data: list.labels, axisLabel: {width: 90, overflow: "truncate"}},
      series: [{type: "bar", data: list.numbers, itemStyle: {color: red}}],
    });
  });
  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
