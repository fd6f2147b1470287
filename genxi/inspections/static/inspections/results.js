/* A round's ranking: each community's score (% of the full score) and rectified share as
   horizontal bars, best on top, drawn from #ranking-chart-data with ECharts (loaded first). */
(function () {
  "use strict";
  (function draw() {
    const source = document.getElementById("ranking-chart-data");
    const box = document.getElementById("ranking-chart");
    if (!source || !box) return;
    if (!window.echarts) { setTimeout(draw, 50); return; }
    const data = JSON.parse(source.textContent);
    const chart = echarts.getInstanceByDom(box) || echarts.init(box);
    const names = [box.dataset.score || "得分率", box.dataset.rectified || "整改完成率"];
    chart.setOption({
      animation: false,
      color: ["#b71c1c", "#1b7f3b"],
      tooltip: {trigger: "axis", valueFormatter: (v) => v + "%"},
      legend: {data: names},
      grid: {left: 96, right: 24, top: 32, bottom: 24},
      xAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: data.names},
      series: [
        {name: names[0], type: "bar", data: data.percent, label: {show: true, position: "right", formatter: "{c}%"}},
        {name: names[1], type: "bar", data: data.rectified},
      ],
    });
    box.dataset.drawn = "1";  // the browser tests wait for this
    window.addEventListener("resize", () => chart.resize());
  })();
})();
