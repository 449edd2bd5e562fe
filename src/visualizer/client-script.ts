/**
 * The page's script: plain browser JavaScript, inlined as a string so that it is served the same way
 * from `src/` (tsx, vitest) and from `dist/` (no asset files to locate at runtime). It builds the DOM
 * with `textContent` only (nothing from the feed is parsed as HTML), connects to `/feed` with the
 * page's own `?key=`, and reconnects when the feed drops. Each shard's card holds its voice
 * connections (a strip and the voice statechart each); an ended one is greyed out, then dropped.
 */
export const clientScript = String.raw`
(function () {
  'use strict';
  var key = new URLSearchParams(location.search).get('key');
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    shards: $('shards'), log: $('log'), filter: $('filter'), heartbeats: $('heartbeats'),
    feed: $('feed'), manager: $('manager'), ready: $('ready-count'), voiceCount: $('voice-count'), empty: $('empty')
  };
  var MAX_LOG = 500;
  /** How long an ended voice connection stays on the page, greyed out. */
  var GONE_MS = 8000;
  var machine = null;
  var voiceMachine = null;
  var cards = new Map();
  var views = new Map();
  var voiceCards = new Map();
  var voiceViews = new Map();
  var logEntries = [];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function lastKey(id) { var parts = id.split('.'); return parts[parts.length - 1]; }
  function dash(value, unit) { return value === null || value === undefined ? '\u2014' : unit ? value + ' ' + unit : String(value); }
  function pad(n, width) { var s = String(n); while (s.length < width) s = '0' + s; return s; }
  function bySnowflake(a, b) { return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0); }
  function clock(at) {
    var d = new Date(at);
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  }

  function describe(node) {
    var lines = [node.key + (node.type === 'atomic' ? '' : ' (' + node.type + ')')];
    if (node.description) lines.push(node.description);
    node.transitions.forEach(function (t) {
      var targets = t.targets.length ? t.targets.map(lastKey).join(', ') : '(stays)';
      lines.push('  ' + t.event + (t.guard ? ' [' + t.guard + ']' : '') + ' \u2192 ' + targets);
    });
    return lines.join('\n');
  }

  function renderState(node, nodes, initialId) {
    var box = el('div', 'state ' + node.type);
    if (node.id === initialId) box.classList.add('initial');
    box.setAttribute('data-state-id', node.id);
    box.title = describe(node);
    box.appendChild(el('div', 'label', node.key + (node.type === 'parallel' ? ' \u2225' : '')));
    if (node.children.length) {
      var kids = el('div', 'children ' + (node.type === 'parallel' ? 'regions' : 'substates'));
      node.children.forEach(function (child) { kids.appendChild(renderState(child, nodes, node.initial)); });
      box.appendChild(kids);
    }
    nodes.set(node.id, box);
    return box;
  }

  function createCard(id) {
    var card = el('section', 'shard');
    card.setAttribute('data-shard', String(id));
    var strip = el('header', 'strip');
    strip.appendChild(el('h2', null, 'Shard ' + id));
    var badge = el('span', 'badge');
    badge.setAttribute('data-role', 'status');
    strip.appendChild(badge);
    var stats = {};
    [['seq', 'sequence'], ['latency', 'latency'], ['reconnects', 'reconnects'], ['last close', 'close'], ['heartbeat', 'heartbeat']]
      .forEach(function (pair) {
        var stat = el('span', 'stat');
        stat.appendChild(el('span', 'stat-label', pair[0]));
        var value = el('span', 'stat-value', '\u2014');
        value.setAttribute('data-stat', pair[1]);
        stat.appendChild(value);
        strip.appendChild(stat);
        stats[pair[1]] = value;
      });
    var leaves = el('div', 'leaves');
    strip.appendChild(leaves);
    card.appendChild(strip);
    var nodes = new Map();
    var chart = el('div', 'chart');
    machine.children.forEach(function (child) { chart.appendChild(renderState(child, nodes, machine.initial)); });
    card.appendChild(chart);
    var voices = el('div', 'voices');
    card.appendChild(voices);
    var entry = { card: card, badge: badge, stats: stats, nodes: nodes, leaves: leaves, voices: voices };
    cards.set(id, entry);
    var after = null;
    cards.forEach(function (other, otherId) {
      if (otherId > id && (after === null || otherId < after.id)) after = { id: otherId, card: other.card };
    });
    els.shards.insertBefore(card, after ? after.card : null);
    els.empty.hidden = true;
    refreshFilter();
    // Voice connections whose view came before their shard's.
    voiceViews.forEach(function (view) { if (view.shard === id) updateVoice(view); });
    return entry;
  }

  function showActive(nodes, view) {
    var active = new Set(view.active);
    nodes.forEach(function (node, id) { node.classList.toggle('active', active.has(id)); });
    view.entered.forEach(function (id) {
      var node = nodes.get(id);
      if (!node || !(node.classList.contains('atomic') || node.classList.contains('final'))) return;
      node.classList.remove('flash');
      void node.offsetWidth;
      node.classList.add('flash');
    });
  }

  function createVoiceCard(guildId, shardId, parent) {
    var card = el('section', 'voice');
    card.setAttribute('data-guild', guildId);
    card.setAttribute('data-shard', String(shardId));
    var strip = el('header', 'strip');
    var title = el('h3', null, 'Voice ');
    title.appendChild(el('span', 'guild-id', guildId));
    strip.appendChild(title);
    var badge = el('span', 'badge');
    badge.setAttribute('data-role', 'voice-status');
    strip.appendChild(badge);
    var stat = el('span', 'stat');
    stat.appendChild(el('span', 'stat-label', 'reconnects'));
    var reconnects = el('span', 'stat-value', '0');
    reconnects.setAttribute('data-stat', 'voice-reconnects');
    stat.appendChild(reconnects);
    strip.appendChild(stat);
    var disconnection = el('span', 'disconnection');
    disconnection.setAttribute('data-role', 'disconnection');
    strip.appendChild(disconnection);
    var leaves = el('div', 'leaves');
    strip.appendChild(leaves);
    card.appendChild(strip);
    var nodes = new Map();
    var chart = el('div', 'chart');
    voiceMachine.children.forEach(function (child) {
      chart.appendChild(renderState(child, nodes, voiceMachine.initial));
    });
    card.appendChild(chart);
    var entry = {
      card: card, shard: shardId, badge: badge, reconnects: reconnects, disconnection: disconnection,
      leaves: leaves, nodes: nodes, gone: false
    };
    voiceCards.set(guildId, entry);
    var after = null;
    Array.prototype.forEach.call(parent.children, function (other) {
      var otherId = other.getAttribute('data-guild');
      if (after === null && otherId !== null && bySnowflake(otherId, guildId) > 0) after = other;
    });
    parent.insertBefore(card, after);
    return entry;
  }

  function updateVoice(view) {
    voiceViews.set(view.guildId, view);
    var v = voiceCards.get(view.guildId);
    // A guild's next connection replaces the greyed-out card of its last one.
    if (v && (v.gone || v.shard !== view.shard)) {
      v.card.remove();
      voiceCards.delete(view.guildId);
      v = undefined;
    }
    var shardCard = cards.get(view.shard);
    if (shardCard && voiceMachine) {
      v = v || createVoiceCard(view.guildId, view.shard, shardCard.voices);
      v.card.setAttribute('data-status', view.status);
      v.badge.textContent = view.status;
      v.badge.className = 'badge s-' + view.status;
      v.reconnects.textContent = String(view.reconnects);
      var d = view.disconnection;
      v.disconnection.textContent = d
        ? d.reason + (d.closeCode !== null ? ' \u00b7 close ' + d.closeCode : '') + (d.failure ? ' \u00b7 ' + d.failure : '')
        : '';
      v.leaves.textContent = view.leaves.join('  \u00b7  ');
      showActive(v.nodes, view);
    }
    updateCounts();
  }

  function removeVoice(guildId) {
    voiceViews.delete(guildId);
    var v = voiceCards.get(guildId);
    if (v && !v.gone) {
      v.gone = true;
      v.card.classList.add('gone');
      v.card.setAttribute('data-gone', 'true');
      setTimeout(function () {
        if (voiceCards.get(guildId) !== v) return;
        v.card.remove();
        voiceCards.delete(guildId);
      }, GONE_MS);
    }
    updateCounts();
  }

  function updateShard(view) {
    views.set(view.id, view);
    var c = cards.get(view.id) || createCard(view.id);
    c.card.setAttribute('data-status', view.status);
    c.badge.textContent = view.status;
    c.badge.className = 'badge s-' + view.status;
    c.stats.sequence.textContent = dash(view.sequence);
    c.stats.latency.textContent = dash(view.latencyMs, 'ms');
    c.stats.reconnects.textContent = String(view.reconnects);
    c.stats.close.textContent = dash(view.lastCloseCode);
    c.stats.heartbeat.textContent = dash(view.heartbeatIntervalMs, 'ms');
    c.leaves.textContent = view.leaves.join('  \u00b7  ') + (view.failure ? '  \u2014 ' + view.failure : '');
    showActive(c.nodes, view);
    updateCounts();
  }

  function removeShard(id) {
    var c = cards.get(id);
    if (c) c.card.remove();
    cards.delete(id);
    views.delete(id);
    // Its voice connections went with its card (their actors were its children).
    voiceCards.forEach(function (v, guildId) { if (v.shard === id) voiceCards.delete(guildId); });
    voiceViews.forEach(function (view, guildId) { if (view.shard === id) voiceViews.delete(guildId); });
    els.empty.hidden = cards.size > 0;
    refreshFilter();
    updateCounts();
  }

  function updateCounts() {
    var ready = 0;
    views.forEach(function (view) { if (view.status === 'ready') ready += 1; });
    els.ready.textContent = ready + '/' + views.size + ' ready';
    var voiceReady = 0;
    voiceViews.forEach(function (view) { if (view.status === 'ready') voiceReady += 1; });
    els.voiceCount.hidden = voiceViews.size === 0;
    els.voiceCount.textContent = voiceReady + '/' + voiceViews.size + ' voice ready';
  }

  function updateManager(manager) {
    els.manager.textContent = manager ? 'manager: ' + manager.state : 'manager: \u2014';
    els.manager.setAttribute('data-state', manager ? manager.state : '');
  }

  function refreshFilter() {
    var current = els.filter.value || 'all';
    var options = ['all'].concat(Array.from(cards.keys()).sort(function (a, b) { return a - b; }).map(String), ['manager']);
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
    logEntries.push(entry);
    if (logEntries.length > MAX_LOG) logEntries.shift();
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

  function handle(message) {
    switch (message.type) {
      case 'hello':
        machine = message.machine;
        voiceMachine = message.voiceMachine || null;
        cards.forEach(function (c) { c.card.remove(); });
        cards.clear();
        views.clear();
        voiceCards.clear();
        voiceViews.clear();
        message.shards.forEach(updateShard);
        (message.voices || []).forEach(updateVoice);
        els.empty.hidden = cards.size > 0;
        updateManager(message.manager);
        logEntries = message.log.slice(-MAX_LOG);
        refreshFilter();
        renderLog();
        updateCounts();
        return;
      case 'shard': if (machine) updateShard(message.shard); return;
      case 'shardRemoved': removeShard(message.id); return;
      case 'voice': if (machine) updateVoice(message.voice); return;
      case 'voiceRemoved': removeVoice(message.guildId); return;
      case 'manager': updateManager(message.manager); return;
      case 'log': addLog(message.entry); return;
    }
  }

  function setFeed(state) {
    els.feed.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting\u2026' : 'disconnected, retrying\u2026';
    els.feed.className = 'feed feed-' + state;
    document.body.setAttribute('data-feed', state);
  }

  function connect() {
    setFeed('connecting');
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/feed' +
      (key ? '?key=' + encodeURIComponent(key) : '');
    var socket = new WebSocket(url);
    socket.onopen = function () { setFeed('live'); };
    socket.onmessage = function (message) {
      try { handle(JSON.parse(message.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = function () { setFeed('down'); setTimeout(connect, 1000); };
  }

  els.filter.addEventListener('change', renderLog);
  els.heartbeats.addEventListener('change', renderLog);
  connect();
})();
`;
