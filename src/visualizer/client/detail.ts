/**
 * The page script's detail of one shard: its strip of counters, its statechart with the transition
 * arrows, its voice connections (each a voice statechart), and its history, asked of the feed when
 * the shard is opened (never sent for every shard).
 */
export const detailScript = String.raw`
  /** The selected shard's history, oldest first: entries with 'active' from the feed, later ones without. */
  var history = [];
  var feedSocket = null;

  function select(id) {
    replay = null;
    els.replayBar.hidden = true;
    var previous = selected ? selected.id : null;
    if (previous !== id || !selected || selected.replaying) buildDetail(id, machine, 'Shard ' + id);
    history = [];
    renderHistory();
    requestHistory(id);
    if (previous !== null && cells.get(previous) && views.get(previous)) paintCell(cells.get(previous), views.get(previous));
    if (cells.get(id) && views.get(id)) paintCell(cells.get(id), views.get(id));
    refreshDetail();
  }

  function requestHistory(id) {
    if (feedSocket && feedSocket.readyState === 1) feedSocket.send(JSON.stringify({ type: 'history', shard: id }));
  }

  function buildDetail(id, tree, title) {
    els.detailCard.textContent = '';
    var card = el('section', 'shard');
    card.setAttribute('data-shard', String(id));
    var strip = el('header', 'strip');
    strip.appendChild(el('h2', null, title));
    var badge = el('span', 'badge');
    badge.setAttribute('data-role', 'status');
    strip.appendChild(badge);
    var stats = {};
    [['seq', 'sequence'], ['latency', 'latency'], ['reconnects', 'reconnects'], ['last close', 'close'],
      ['heartbeat', 'heartbeat'], ['bucket', 'bucket']].forEach(function (pair) {
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
    var chart = renderChart(tree, nodes);
    card.appendChild(chart.wrap);
    var voices = el('div', 'voices');
    card.appendChild(voices);
    els.detailCard.appendChild(card);
    els.detail.hidden = false;
    els.historyTitle.textContent = 'History of shard ' + id;
    selected = {
      id: id, card: card, badge: badge, stats: stats, nodes: nodes, leaves: leaves, voices: voices,
      wrap: chart.wrap, svg: chart.svg, pairs: transitionsOf(tree), drawnFor: null, voiceCards: new Map(),
      replaying: tree !== machine
    };
  }

  function refreshDetail() {
    if (!selected || replay) return;
    var view = views.get(selected.id);
    if (!view) return;
    selected.card.setAttribute('data-status', view.status);
    selected.badge.textContent = view.status;
    selected.badge.className = 'badge s-' + view.status;
    selected.stats.sequence.textContent = dash(view.sequence);
    selected.stats.latency.textContent = dash(view.latencyMs, 'ms');
    selected.stats.reconnects.textContent = String(view.reconnects);
    selected.stats.close.textContent = dash(view.lastCloseCode);
    selected.stats.heartbeat.textContent = dash(view.heartbeatIntervalMs, 'ms');
    selected.stats.bucket.textContent = manager && manager.maxConcurrency ? String(bucketOf(view.id)) : '\u2014';
    selected.leaves.textContent = view.leaves.join('  \u00b7  ') + (view.failure ? '  \u2014 ' + view.failure : '');
    var last = lastShardEntry(history);
    if (selected.shown !== view || selected.drawnFor !== last) {
      if (selected.shown !== view) showActive(selected.nodes, view.active, view.entered);
      drawArrows(selected.svg, selected.wrap, selected.nodes, selected.pairs, takenBy(last, selected.nodes, machine.id, selected.pairs));
      selected.shown = view;
      selected.drawnFor = last;
    }
    voiceViews.forEach(function (voice) { if (voice.shard === selected.id) updateVoiceCard(voice); });
  }

  function createVoiceCard(view) {
    var card = el('section', 'voice');
    card.setAttribute('data-guild', view.guildId);
    card.setAttribute('data-shard', String(view.shard));
    var strip = el('header', 'strip');
    var title = el('h3', null, 'Voice ');
    title.appendChild(el('span', 'guild-id', view.guildId));
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
    card.appendChild(renderChart(voiceMachine, nodes).wrap);
    var entry = { card: card, badge: badge, reconnects: reconnects, disconnection: disconnection, leaves: leaves, nodes: nodes };
    var after = null;
    Array.prototype.forEach.call(selected.voices.children, function (other) {
      var otherId = other.getAttribute('data-guild');
      if (after === null && otherId !== null && bySnowflake(otherId, view.guildId) > 0) after = other;
    });
    selected.voices.insertBefore(card, after);
    selected.voiceCards.set(view.guildId, entry);
    return entry;
  }

  function updateVoiceCard(view) {
    if (!selected || replay || selected.id !== view.shard || !voiceMachine) return;
    var v = selected.voiceCards.get(view.guildId);
    if (v && v.gone) { v.card.remove(); selected.voiceCards.delete(view.guildId); v = undefined; }
    v = v || createVoiceCard(view);
    v.card.setAttribute('data-status', view.status);
    v.badge.textContent = view.status;
    v.badge.className = 'badge s-' + view.status;
    v.reconnects.textContent = String(view.reconnects);
    var d = view.disconnection;
    v.disconnection.textContent = d
      ? d.reason + (d.closeCode !== null ? ' \u00b7 close ' + d.closeCode : '') + (d.failure ? ' \u00b7 ' + d.failure : '')
      : '';
    v.leaves.textContent = view.leaves.join('  \u00b7  ');
    if (v.shown !== view) { showActive(v.nodes, view.active, view.entered); v.shown = view; }
  }

  /** An ended voice connection: greyed out on its shard's card, then dropped. */
  function voiceGone(guildId, shard) {
    if (!selected || selected.id !== shard) return;
    var v = selected.voiceCards.get(guildId);
    if (!v || v.gone) return;
    v.gone = true;
    v.card.classList.add('gone');
    v.card.setAttribute('data-gone', 'true');
    var card = selected;
    setTimeout(function () {
      if (card.voiceCards.get(guildId) !== v) return;
      v.card.remove();
      card.voiceCards.delete(guildId);
    }, 8000);
  }

  function lastShardEntry(list) {
    for (var i = list.length - 1; i >= 0; i -= 1) if (!list[i].guild) return list[i];
    return null;
  }

  function historyRow(entry, index) {
    var row = logRow(entry);
    row.setAttribute('data-step', String(index));
    if (replay && replay.step === index) row.classList.add('current');
    return row;
  }

  function renderHistory() {
    els.history.textContent = '';
    var list = replay ? replay.entries : history;
    for (var i = list.length - 1; i >= 0; i -= 1) els.history.appendChild(historyRow(list[i], i));
  }

  /** A live log entry of the selected shard joins its history. */
  function historyAdd(entry) {
    if (!selected || replay || entry.shard !== selected.id) return;
    if (history.length && history[history.length - 1].n >= entry.n) return;
    history.push(entry);
    els.history.insertBefore(historyRow(entry, history.length - 1), els.history.firstChild);
    schedule();
  }

  function historyArrived(message) {
    if (!selected || replay || message.shard !== selected.id) return;
    var newest = message.entries.length ? message.entries[message.entries.length - 1].n : 0;
    history = message.entries.concat(history.filter(function (entry) { return entry.n > newest; }));
    renderHistory();
    schedule();
    if (pendingDownload === message.shard) { pendingDownload = null; download(message); }
  }
`;
