// The live tail says whether its stream is open: the status line under the filters, and data-stream on the table.
(function () {
  function state(target, open) {
    var body = document.getElementById('live');
    var line = document.getElementById('live-state');
    if (!body || target !== body) { return; }
    body.dataset.stream = open ? 'open' : 'closed';
    if (line) {
      line.textContent = open ? 'Following: new events of the tenant appear on top as audit-service stores them.'
        : 'The stream to audit-service is interrupted; reconnecting…';
    }
  }
  document.addEventListener('htmx:sseOpen', function (e) { state(e.target, true); });
  document.addEventListener('htmx:sseError', function (e) { state(e.target, false); });
})();
