/* The assessment pages: the period picker (a new kind starts from its current period), the
   compute button (disabled and relabelled while the ranking is computed, so it is not sent
   twice), and the grade distribution chart drawn from #grade-chart-data with ECharts. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-form=period] select[name=kind]").forEach((select) => {
    select.addEventListener("change", () => {
      select.form.querySelector("select[name=start]").disabled = true;
      select.form.submit();
    });
  });
  document.querySelectorAll("form[data-form=compute]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = button.dataset.busy || button.textContent;
    });
  });
  (function draw() {
    const source = document.getElementById("grade-chart-data");
    const box = document.getElementById("grade-chart");
    if (!source || !box) return;
    if (!window.echarts) { setTimeout(draw, 50); return; }
    const data = JSON.parse(source.textContent);
    const chart = echarts.getInstanceByDom(box) || echarts.init(box);
    chart.setOption({
      color: ["#b71c1c"],
      tooltip: {},
      grid: {left: 36, right: 12, top: 16, bottom: 28},
      xAxis: {type: "category", data: data.grades},
      yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", data: data.counts, label: {show: true, position: "top"}}],
    });
    box.dataset.drawn = "1";  // the browser tests wait for this
    window.addEventListener("resize", () => chart.resize());
  })();
})();
