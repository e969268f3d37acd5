// Draws the analytics screen's charts from the figures the page carries (script#chart-data); the tables beside
// them hold the same figures for readers without the charts.
(function () {
  function draw() {
    var holder = document.getElementById('chart-data');
    if (!holder || typeof Chart === 'undefined') { return; }
    var data = JSON.parse(holder.textContent);
    var blue = '#0b5cad', green = '#0f6b2f', amber = '#b26a00';
    Chart.defaults.animation = false;
    Chart.defaults.font.family = 'system-ui, sans-serif';
    function pct(rows) { return rows.map(function (r) { return r.conversion == null ? null : Math.round(r.conversion * 1000) / 10; }); }
    function keys(rows) { return rows.map(function (r) { return r.key; }); }
    var series = data.series || [];
    chart('chart-series', {
      type: 'line',
      data: { labels: series.map(function (s) { return s.start.replace('T', ' ').replace(':00Z', ''); }),
        datasets: [{ label: 'created', data: series.map(function (s) { return s.created; }), borderColor: blue, backgroundColor: blue },
                   { label: 'approved', data: series.map(function (s) { return s.approved; }), borderColor: green, backgroundColor: green }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    bars('chart-country', keys(data.byCountry || []), pct(data.byCountry || []), 'conversion %', blue, 100);
    bars('chart-channel', keys(data.byChannel || []), pct(data.byChannel || []), 'conversion %', green, 100);
    var reasons = Object.entries(data.riskReasons || {}).sort(function (a, b) { return b[1] - a[1]; });
    bars('chart-reasons', reasons.map(function (r) { return r[0]; }), reasons.map(function (r) { return r[1]; }), 'logins', amber);
  }
  function bars(id, labels, values, label, colour, max) {
    chart(id, { type: 'bar', data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: colour }] },
      options: { indexAxis: labels.length > 6 ? 'y' : 'x', scales: { y: { beginAtZero: true, max: labels.length > 6 ? undefined : max } } } });
  }
  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    var drawn = new Chart(canvas, config);
    canvas.dataset.points = String(config.data.datasets.reduce(function (n, d) { return n + d.data.filter(function (v) { return v != null; }).length; }, 0));
    canvas.dataset.drawn = drawn ? 'true' : 'false';
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }
})();
