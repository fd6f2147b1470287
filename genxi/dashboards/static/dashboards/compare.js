/* The comparison's bar chart of scores, drawn from the JSON in #compare-data (ECharts, loaded before). */
(function draw() {
  "use strict";
  if (!window.echarts) { setTimeout(draw, 50); return; }
  const source = document.getElementById("compare-data");
  const box = document.getElementById("compare-chart");
  if (!source || !box) return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.getInstanceByDom(box) || echarts.init(box);
  chart.setOption({
    tooltip: {}, grid: {left: 90, right: 40, top: 8, bottom: 24},
    xAxis: {type: "value", min: 0, max: 100},
    yAxis: {type: "category", inverse: true, data: data.names},
    series: [{name: data.label, type: "bar", data: data.scores, itemStyle: {color: "#b71c1c"},
      label: {show: true, position: "right"}}],
  });
  window.addEventListener("resize", () => chart.resize());
})();
