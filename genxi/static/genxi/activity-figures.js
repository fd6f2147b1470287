/* The activity figures page: the period picker shows only the fields of the chosen period, and
   the chart (participants by month, stacked by kind) is drawn from the JSON in
   #activity-chart-data (ECharts, loaded before this file when there are figures). */
(function () {
  "use strict";
  const picker = document.querySelector("[data-period-picker]");
  if (picker) {
    const period = picker.querySelector("select[name=period]");
    const show = () => {
      picker.querySelectorAll("[data-period]").forEach((field) => {
        const on = field.dataset.period === period.value;
        field.hidden = !on;
        field.disabled = !on;  // a hidden field is not sent
      });
    };
    period.addEventListener("change", show);
    show();
  }

  (function draw() {
    const source = document.getElementById("activity-chart-data");
    const box = document.getElementById("activity-chart");
    if (!source || !box) return;
    if (!window.echarts) { setTimeout(draw, 50); return; }
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
    box.dataset.drawn = "1";  // the browser tests wait for this
    window.addEventListener("resize", () => chart.resize());
  })();
})();
