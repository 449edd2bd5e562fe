import { coreScript } from './client/core.js';
import { detailScript } from './client/detail.js';
import { overviewScript } from './client/overview.js';
import { traceScript } from './client/trace.js';

/** The page script's transition log (all shards, or one) and its feed connection. */
const feedScript = String.raw`
  var MAX_LOG = 500;
  var logEntries = [];
  var lastLogN = 0;

  function refreshFilter() {
    var current = els.filter.value || 'all';
    var ids = Array.from(views.keys()).sort(function (a, b) { return a - b; });
    var options = ['all'].concat(ids.map(String), ['manager']);
    els.filter.textContent = '';
    options.forEach(function (value) {
      var label = value === 'all' ? 'all shards' : value === 'manager' ? 'manager' : 'shard ' + value;
      var option = el('option', null, label);
      option.value = value;
      els.filter.appendChild(option);
    });
    els.filter.value = options.indexOf(current) >= 0 ? current : 'all';
  }

  function visible(entry) {
    var filter = els.filter.value || 'all';
    var who = entry.shard === null ? 'manager' : String(entry.shard);
    if (filter !== 'all' && filter !== who) return false;
    return entry.kind !== 'heartbeat' || els.heartbeats.checked;
  }

  // A state path that may wrap only after its dots.
  function path(cls, text) {
    var span = el('span', cls);
    text.split('.').forEach(function (part, index, parts) {
      span.appendChild(document.createTextNode(part + (index < parts.length - 1 ? '.' : '')));
      if (index < parts.length - 1) span.appendChild(document.createElement('wbr'));
    });
    return span;
  }

  function logRow(entry) {
    var row = el('tr', 'kind-' + entry.kind);
    row.setAttribute('data-shard', entry.shard === null ? 'manager' : String(entry.shard));
    if (entry.guild) row.setAttribute('data-guild', entry.guild);
    row.setAttribute('data-event', entry.event);
    row.setAttribute('data-from', entry.from);
    row.setAttribute('data-to', entry.to);
    row.appendChild(el('td', 'time', clock(entry.at)));
    row.appendChild(el('td', 'who', entry.shard === null ? 'mgr' : '#' + entry.shard));
    var event = el('td', 'ev');
    if (entry.guild) event.appendChild(el('div', 'guild', 'voice ' + entry.guild));
    event.appendChild(document.createTextNode(entry.event));
    if (entry.detail) event.appendChild(el('span', 'detail', ' ' + entry.detail));
    row.appendChild(event);
    var move = el('td', 'move');
    move.appendChild(path('from', entry.from));
    move.appendChild(el('span', 'arrow', ' \u2192 '));
    move.appendChild(path('to to-' + entry.to.split('.')[0], entry.to));
    row.appendChild(move);
    return row;
  }

  function addLog(entry) {
    // A page that connected mid-interval may get an entry its hello already had.
    if (entry.n <= lastLogN) return;
    lastLogN = entry.n;
    logEntries.push(entry);
    if (logEntries.length > MAX_LOG) logEntries.shift();
    historyAdd(entry);
    if (!visible(entry)) return;
    els.log.insertBefore(logRow(entry), els.log.firstChild);
    while (els.log.childNodes.length > MAX_LOG) els.log.removeChild(els.log.lastChild);
  }

  function renderLog() {
    els.log.textContent = '';
    for (var i = logEntries.length - 1; i >= 0; i -= 1) {
      if (visible(logEntries[i])) els.log.appendChild(logRow(logEntries[i]));
    }
  }

  function shardView(view) {
    if (!views.has(view.id)) idsChanged = true;
    views.set(view.id, view);
    dirty.add(view.id);
    schedule();
  }

  function shardRemoved(id) {
    views.delete(id);
    var cell = cells.get(id);
    if (cell) cell.remove();
    cells.delete(id);
    voiceViews.forEach(function (view, guildId) { if (view.shard === id) voiceViews.delete(guildId); });
    if (selected && selected.id === id && !replay) { els.detail.hidden = true; selected = null; }
    idsChanged = true;
    schedule();
  }

  function voiceView(view) {
    voiceViews.set(view.guildId, view);
    updateVoiceCard(view);
    dirty.add(view.shard);
    schedule();
  }

  function voiceRemoved(guildId, shard) {
    voiceViews.delete(guildId);
    voiceGone(guildId, shard);
    dirty.add(shard);
    schedule();
  }

  function updateManager(next) {
    manager = next;
    els.manager.textContent = manager ? 'manager: ' + manager.state : 'manager: \u2014';
    els.manager.setAttribute('data-state', manager ? manager.state : '');
    idsChanged = true;
    schedule();
  }

  function handle(message) {
    switch (message.type) {
      case 'hello':
        machine = message.machine;
        voiceMachine = message.voiceMachine || null;
        views.clear();
        voiceViews.clear();
        cells.forEach(function (cell) { cell.remove(); });
        cells.clear();
        message.shards.forEach(function (view) { views.set(view.id, view); dirty.add(view.id); });
        (message.voices || []).forEach(function (view) { voiceViews.set(view.guildId, view); });
        updateManager(message.manager);
        logEntries = message.log.slice(-MAX_LOG);
        lastLogN = logEntries.length ? logEntries[logEntries.length - 1].n : 0;
        renderLog();
        if (selected && !replay) select(selected.id);
        render();
        return;
      case 'batch': message.messages.forEach(handle); return;
      case 'shard': if (machine) shardView(message.shard); return;
      case 'shardRemoved': shardRemoved(message.id); return;
      case 'voice': if (machine) voiceView(message.voice); return;
      case 'voiceRemoved': voiceRemoved(message.guildId, message.shard); return;
      case 'manager': updateManager(message.manager); return;
      case 'log': addLog(message.entry); return;
      case 'history': historyArrived(message); return;
    }
  }

  function setFeed(state) {
    els.feed.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting\u2026' : 'disconnected, retrying\u2026';
    els.feed.className = 'pill feed feed-' + state;
    document.body.setAttribute('data-feed', state);
  }

  function connect() {
    setFeed('connecting');
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/feed' +
      (key ? '?key=' + encodeURIComponent(key) : '');
    if (location.protocol === 'file:') { setFeed('down'); return; }
    var socket = new WebSocket(url);
    feedSocket = socket;
    socket.onopen = function () { setFeed('live'); };
    socket.onmessage = function (message) {
      try { handle(JSON.parse(message.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = function () { setFeed('down'); setTimeout(connect, 1000); };
  }

  els.filter.addEventListener('change', renderLog);
  els.heartbeats.addEventListener('change', renderLog);
  els.cells.addEventListener('click', cellClick);
  els.counts.addEventListener('click', stateChip);
  els.failed.addEventListener('click', failedClick);
  [els.stateFilter, els.bucketFilter, els.failureFilter].forEach(function (select) {
    select.addEventListener('change', repaintAll);
  });
  els.search.addEventListener('keydown', function (event) { if (event.key === 'Enter') search(); });
  $('search-go').addEventListener('click', search);
  $('download-trace').addEventListener('click', askDownload);
  $('trace-file').addEventListener('change', function (event) {
    var file = event.target.files && event.target.files[0];
    if (file) loadTrace(file);
    event.target.value = '';
  });
  $('replay-prev').addEventListener('click', function () { if (replay) showStep(replay.step - 1); });
  $('replay-next').addEventListener('click', function () { if (replay) showStep(replay.step + 1); });
  $('replay-exit').addEventListener('click', leaveReplay);
  els.history.addEventListener('click', function (event) {
    var row = event.target.closest('tr[data-step]');
    if (row && replay) showStep(Number(row.getAttribute('data-step')));
  });
  window.addEventListener('resize', function () { if (selected) { selected.shown = null; refreshDetail(); } });
  connect();
`;

/**
 * The page's script: plain browser JavaScript, inlined as a string so that it is served the same way
 * from `src/` (tsx, vitest) and from `dist/` (no asset files to locate at runtime). It builds the DOM
 * with `textContent` only (nothing from the feed is parsed as HTML), connects to `/feed` with the
 * page's own `?key=`, and reconnects when the feed drops. An overview of every shard (one cell each)
 * comes first; a click opens one shard's statechart, voice connections and history.
 */
export const clientScript = `(function () {
  'use strict';
${coreScript}${overviewScript}${detailScript}${traceScript}${feedScript}})();
`;
