/* The figures page's two charts, drawn from the JSON in #chart-data (ECharts, loaded before). */
(function draw() {
  "use strict";
  // Embedded by htmx, the library may still be loading: wait for it.
  if (!window.echarts) { setTimeout(draw, 50); return; }
  const source = document.getElementById("chart-data");
  const daysBox = document.getElementById("chart-days");
  const catsBox = document.getElementById("chart-categories");
  if (!source || !daysBox || !catsBox) return;
  const data = JSON.parse(source.textContent);
  const red = "#b71c1c", green = "#1b7f3b";
  const days = echarts.getInstanceByDom(daysBox) || echarts.init(daysBox);
  days.setOption({
    tooltip: {trigger: "axis"}, legend: {data: [data.labels.collected, data.labels.resolved]},
    grid: {left: 36, right: 12, top: 36, bottom: 28},
    xAxis: {type: "category", data: data.days}, yAxis: {type: "value", minInterval: 1},
    series: [
      {name: data.labels.collected, type: "bar", data: data.collected, itemStyle: {color: red}},
      {name: data.labels.resolved, type: "line", data: data.resolved, itemStyle: {color: green}},
    ],
  });
  const cats = echarts.getInstanceByDom(catsBox) || echarts.init(catsBox);
  cats.setOption({
    tooltip: {}, grid: {left: 110, right: 16, top: 8, bottom: 24},
    xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", data: data.categories},
    series: [{type: "bar", data: data.category_counts, itemStyle: {color: red}}],
  });
  window.addEventListener("resize", () => { days.resize(); cats.resize(); });
})();
