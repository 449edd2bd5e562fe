/**
 * The page script's overview: one small cell per shard coloured by its state, counts per state, the
 * failed shards in the header, filters (state, identify bucket, failure) and search by shard or guild
 * id. Updates are drawn once per animation frame, whatever the number of views that arrived.
 */
export const overviewScript = String.raw`
  var dirty = new Set();
  var frame = 0;
  var idsChanged = false;

  function schedule() {
    if (frame === 0) frame = requestAnimationFrame(render);
  }

  function bucketOf(id) {
    return manager && manager.maxConcurrency ? id % manager.maxConcurrency : 0;
  }

  function matches(view) {
    var state = els.stateFilter.value;
    if (state !== 'all' && view.status !== state) return false;
    var bucket = els.bucketFilter.value;
    if (bucket !== 'all' && String(bucketOf(view.id)) !== bucket) return false;
    switch (els.failureFilter.value) {
      case 'failed': return view.status === 'failed';
      case 'reconnected': return view.reconnects > 0;
      case 'closed': return view.lastCloseCode !== null;
      default: return true;
    }
  }

  function createCell(id) {
    var cell = el('button', 'cell');
    cell.type = 'button';
    cell.setAttribute('data-shard', String(id));
    cells.set(id, cell);
    return cell;
  }

  function paintCell(cell, view) {
    cell.setAttribute('data-status', view.status);
    cell.className = 'cell c-' + view.status + (matches(view) ? '' : ' dim') +
      (selected && selected.id === view.id ? ' selected' : '') + (hasVoice(view.id) ? ' voice-on' : '');
    cell.title = 'shard ' + view.id + ': ' + view.status + (view.failure ? ' (' + view.failure + ')' : '') +
      (view.reconnects ? ' \u00b7 ' + view.reconnects + ' reconnects' : '');
  }

  function hasVoice(id) {
    var found = false;
    voiceViews.forEach(function (view) { if (view.shard === id) found = true; });
    return found;
  }

  /** Adds the cells of new shards in id order (one DOM insertion for a thousand). */
  function placeNewCells() {
    var fresh = [];
    views.forEach(function (view, id) { if (!cells.has(id)) fresh.push(id); });
    if (fresh.length === 0) return;
    fresh.sort(function (a, b) { return a - b; });
    var all = Array.from(cells.keys()).concat(fresh).sort(function (a, b) { return a - b; });
    fresh.forEach(createCell);
    var fragment = document.createDocumentFragment();
    all.forEach(function (id) { fragment.appendChild(cells.get(id)); });
    els.cells.appendChild(fragment);
  }

  function render() {
    frame = 0;
    placeNewCells();
    dirty.forEach(function (id) {
      var cell = cells.get(id);
      var view = views.get(id);
      if (cell && view) paintCell(cell, view);
    });
    dirty.clear();
    els.empty.hidden = views.size > 0;
    updateCounts();
    if (idsChanged) { idsChanged = false; refreshFilter(); refreshBuckets(); }
    if (selected && !replay) refreshDetail();
  }

  function repaintAll() {
    var shown = 0;
    views.forEach(function (view, id) {
      var cell = cells.get(id);
      if (cell) paintCell(cell, view);
      if (matches(view)) shown += 1;
    });
    els.shown.textContent = shown + ' of ' + views.size + ' shown';
  }

  function updateCounts() {
    var counts = {};
    var failed = [];
    var shown = 0;
    STATES.forEach(function (state) { counts[state] = 0; });
    views.forEach(function (view) {
      counts[view.status] = (counts[view.status] || 0) + 1;
      if (view.status === 'failed') failed.push(view.id);
      if (matches(view)) shown += 1;
    });
    els.counts.textContent = '';
    STATES.forEach(function (state) {
      var chip = el('button', 'count c-' + state + (counts[state] ? '' : ' zero'));
      chip.type = 'button';
      chip.setAttribute('data-state', state);
      chip.appendChild(el('span', 'n', counts[state]));
      chip.appendChild(document.createTextNode(' ' + state));
      els.counts.appendChild(chip);
    });
    els.ready.textContent = counts.ready + '/' + views.size + ' ready';
    failed.sort(function (a, b) { return a - b; });
    els.failed.hidden = failed.length === 0;
    els.failed.textContent = failed.length + ' failed: ' + failed.slice(0, 12).map(function (id) { return '#' + id; }).join(' ') +
      (failed.length > 12 ? ' \u2026' : '');
    els.failed.setAttribute('data-failed', failed.join(','));
    els.shown.textContent = shown + ' of ' + views.size + ' shown';
    var voiceReady = 0;
    voiceViews.forEach(function (view) { if (view.status === 'ready') voiceReady += 1; });
    els.voiceCount.hidden = voiceViews.size === 0;
    els.voiceCount.textContent = voiceReady + '/' + voiceViews.size + ' voice ready';
  }

  function refreshBuckets() {
    var count = manager && manager.maxConcurrency ? manager.maxConcurrency : 1;
    if (els.bucketFilter.options.length === count + 1) return;
    var current = els.bucketFilter.value || 'all';
    els.bucketFilter.textContent = '';
    var all = el('option', null, 'all buckets');
    all.value = 'all';
    els.bucketFilter.appendChild(all);
    for (var bucket = 0; bucket < count; bucket += 1) {
      var option = el('option', null, 'bucket ' + bucket);
      option.value = String(bucket);
      els.bucketFilter.appendChild(option);
    }
    els.bucketFilter.value = current !== 'all' && Number(current) < count ? current : 'all';
  }

  /** A shard id, or a guild id (a snowflake) routed to its shard: (id >> 22) % shard count. */
  function search() {
    var text = els.search.value.trim();
    if (!/^\d{1,20}$/.test(text)) { els.searchResult.textContent = text ? 'a shard id or a guild id' : ''; return; }
    var total = manager && manager.totalShards ? manager.totalShards : views.size;
    var id = Number(text);
    var note = '';
    if (text.length >= 15 && total > 0) {
      id = Number((BigInt(text) >> BigInt(22)) % BigInt(total));
      note = 'guild ' + text + ' \u2192 ';
    }
    if (!views.has(id)) { els.searchResult.textContent = note + 'shard ' + id + ' is not run here'; return; }
    els.searchResult.textContent = note + 'shard ' + id;
    select(id);
  }

  function stateChip(event) {
    var chip = event.target.closest('.count');
    if (!chip) return;
    var state = chip.getAttribute('data-state');
    els.stateFilter.value = els.stateFilter.value === state ? 'all' : state;
    repaintAll();
  }

  function cellClick(event) {
    var cell = event.target.closest('.cell');
    if (cell) select(Number(cell.getAttribute('data-shard')));
  }

  function failedClick() {
    var first = (els.failed.getAttribute('data-failed') || '').split(',')[0];
    if (first) select(Number(first));
  }
`;
