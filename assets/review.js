/* The review view (dashboard/review.py): its buttons call the JSON write endpoints with the
   session's CSRF token in a header, and the keyboard moves through the queue.
   j / ArrowDown next row, k / ArrowUp previous row, c confirm, x reject, s save the correction. */
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.review = {
  submit: async function (nConfirm, nReject, nSave, nAdd, selected, releaseId, sentence,
                          donor, category, item, quantity, value, currency, date, status, note, csrf) {
    var trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
    var fields = {donor_code: donor, category_code: category, item: item, quantity: quantity,
                  value: value, currency: currency, date: date, status: status};
    var url, body;
    if (trig.indexOf("rv-add") === 0) {
      if (!releaseId || !sentence) { return {ok: false, message: "Pick a sentence of the release first.", t: Date.now()}; }
      var span = String(sentence).split(":");
      url = "/review/api/releases/" + encodeURIComponent(releaseId) + "/announcements";
      body = {start: Number(span[0]), end: Number(span[1]), fields: fields, note: note || null};
    } else {
      if (selected == null) { return {ok: false, message: "Select a row first.", t: Date.now()}; }
      var action = trig.indexOf("rv-confirm") === 0 ? "confirm" : trig.indexOf("rv-reject") === 0 ? "reject" : "correct";
      url = "/review/api/announcements/" + encodeURIComponent(selected);
      body = {action: action, changes: action === "correct" ? fields : {}, note: note || null};
    }
    try {
      var resp = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf || ""},
        body: JSON.stringify(body)
      });
      var data = {};
      try { data = await resp.json(); } catch (e) { data = {}; }
      if (!resp.ok || !data.ok) {
        return {ok: false, status: resp.status, message: "Not saved: " + (data.error || resp.statusText), t: Date.now()};
      }
      var r = data.row || {};
      return {ok: true, id: r.id, message: "Saved: row " + r.id + " is " + r.review_state + ".", t: Date.now()};
    } catch (e) {
      return {ok: false, message: "Not saved: " + e, t: Date.now()};
    }
  }
};

(function () {
  function gridApi() {
    try { return window.dash_ag_grid && window.dash_ag_grid.getApi("rv-grid"); } catch (e) { return null; }
  }
  function move(step) {
    var api = gridApi();
    if (!api) { return; }
    var sel = api.getSelectedNodes();
    var index = sel.length ? sel[0].rowIndex + step : 0;
    if (index < 0) { index = 0; }
    var node = api.getDisplayedRowAtIndex(index);
    if (!node && step > 0 && api.paginationGetCurrentPage() < api.paginationGetTotalPages() - 1) {
      api.paginationGoToNextPage();
      return;
    }
    if (node) {
      node.setSelected(true, true);
      api.ensureIndexVisible(index);
    }
  }
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }
  document.addEventListener("keydown", function (ev) {
    if (!document.getElementById("rv-grid")) { return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (ev.target && ev.target.isContentEditable)) { return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var k = ev.key;
    var done = true;
    if (k === "j" || k === "ArrowDown") { move(1); }
    else if (k === "k" || k === "ArrowUp") { move(-1); }
    else if (k === "c") { click("rv-confirm"); }
    else if (k === "x") { click("rv-reject"); }
    else if (k === "s") { click("rv-save"); }
    else { done = false; }
    if (done) { ev.preventDefault(); ev.stopPropagation(); }  // the grid would move its cell focus instead
  }, true);  // capture: also while a grid cell has the focus
})();
