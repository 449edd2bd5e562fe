/**
 * The page script's shared part: DOM helpers, the state (views by shard, voice views, the selected
 * shard), the statechart renderer and the arrows drawn on it. Plain browser JavaScript in a string,
 * joined with the other parts inside one function by `client-script.ts`.
 */
export const coreScript = String.raw`
  var key = new URLSearchParams(location.search).get('key');
  var $ = function (id) { return document.getElementById(id); };
  var SVG = 'http://www.w3.org/2000/svg';
  var STATES = ['idle', 'connecting', 'identifying', 'resuming', 'ready', 'reconnecting', 'stopped', 'failed'];
  var els = {
    cells: $('cells'), counts: $('counts'), empty: $('empty'), detail: $('detail'), detailCard: $('detail-card'),
    history: $('history'), historyTitle: $('history-title'), replayBar: $('replay'), replayStep: $('replay-step'),
    log: $('log'), filter: $('filter'), heartbeats: $('heartbeats'), feed: $('feed'), manager: $('manager'),
    ready: $('ready-count'), failed: $('failed'), voiceCount: $('voice-count'),
    stateFilter: $('state-filter'), bucketFilter: $('bucket-filter'), failureFilter: $('failure-filter'),
    search: $('search'), searchResult: $('search-result'), shown: $('shown')
  };
  var machine = null;
  var voiceMachine = null;
  var manager = null;
  var views = new Map();
  var voiceViews = new Map();
  var cells = new Map();
  /** The selected shard's card: { id, card, badge, stats, nodes, leaves, voices, wrap, svg, tree, lastActive }. */
  var selected = null;
  /** A trace being replayed: { shard, machine, entries, step }, or null while live. */
  var replay = null;

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

  /** A statechart in a wrapper that holds the SVG layer its transition arrows are drawn on. */
  function renderChart(tree, nodes) {
    var wrap = el('div', 'chart-wrap');
    var chart = el('div', 'chart');
    tree.children.forEach(function (child) { chart.appendChild(renderState(child, nodes, tree.initial)); });
    wrap.appendChild(chart);
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'arrows');
    wrap.appendChild(svg);
    return { wrap: wrap, svg: svg };
  }

  /** Every transition of a machine as [source id, target id, event], from its structure (as diagrams/ draws it). */
  function transitionsOf(tree) {
    var pairs = [];
    (function walk(node) {
      node.transitions.forEach(function (t) {
        t.targets.forEach(function (target) { if (target !== node.id) pairs.push([node.id, target, t.event]); });
      });
      node.children.forEach(walk);
    })(tree);
    return pairs;
  }

  /** A log label (identifying.awaitingReady, reconnecting, heartbeat.beating) as a state id of the chart. */
  function labelId(nodes, root, label) {
    var candidates = [root + '.connection.lifecycle.' + label, root + '.connection.' + label, root + '.' + label];
    for (var i = 0; i < candidates.length; i += 1) if (nodes.has(candidates[i])) return candidates[i];
    return null;
  }

  function within(id, ancestor) { return id === ancestor || id.indexOf(ancestor + '.') === 0; }

  /** The transitions a log entry took: from its source state (or an ancestor) to its target (or one). */
  function takenBy(entry, nodes, root, pairs) {
    if (!entry || entry.guild) return [];
    var from = labelId(nodes, root, entry.from);
    var to = labelId(nodes, root, entry.to);
    if (from === null || to === null) return [];
    var fits = pairs.filter(function (pair) { return within(from, pair[0]) && within(to, pair[1]); });
    var named = fits.filter(function (pair) { return pair[2] === entry.event; });
    return named.length ? named : fits;
  }

  /**
   * Draws the machine's transitions as arrows over its chart: all of them faint, and those the last
   * step took (from the log entry) bright.
   */
  function drawArrows(svg, wrap, nodes, pairs, taken) {
    svg.textContent = '';
    var box = wrap.getBoundingClientRect();
    svg.setAttribute('width', String(Math.ceil(box.width)));
    svg.setAttribute('height', String(Math.ceil(box.height)));
    var defs = document.createElementNS(SVG, 'defs');
    ['faint', 'taken'].forEach(function (kind) {
      var marker = document.createElementNS(SVG, 'marker');
      marker.setAttribute('id', 'head-' + kind);
      marker.setAttribute('viewBox', '0 0 8 8');
      marker.setAttribute('refX', '7'); marker.setAttribute('refY', '4');
      marker.setAttribute('markerWidth', '6'); marker.setAttribute('markerHeight', '6');
      marker.setAttribute('orient', 'auto-start-reverse');
      var head = document.createElementNS(SVG, 'path');
      head.setAttribute('d', 'M0,0 L8,4 L0,8 z');
      head.setAttribute('class', 'head-' + kind);
      marker.appendChild(head);
      defs.appendChild(marker);
    });
    svg.appendChild(defs);
    pairs.forEach(function (pair) {
      var from = nodes.get(pair[0]);
      var to = nodes.get(pair[1]);
      if (!from || !to) return;
      var a = from.getBoundingClientRect();
      var b = to.getBoundingClientRect();
      if (!a.width || !b.width) return;
      var x1 = a.left + a.width / 2 - box.left, y1 = a.top + Math.min(a.height / 2, 10) - box.top;
      var x2 = b.left + b.width / 2 - box.left, y2 = b.top + Math.min(b.height / 2, 10) - box.top;
      var bend = Math.max(18, Math.abs(x2 - x1) / 4);
      var path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 - bend) + ' ' + x2 + ',' + (y2 - bend) + ' ' + x2 + ',' + y2);
      var isTaken = taken.indexOf(pair) >= 0;
      path.setAttribute('class', 'arrow ' + (isTaken ? 'taken' : 'faint'));
      path.setAttribute('marker-end', 'url(#head-' + (isTaken ? 'taken' : 'faint') + ')');
      path.setAttribute('data-from', pair[0]);
      path.setAttribute('data-to', pair[1]);
      path.setAttribute('data-event', pair[2]);
      var title = document.createElementNS(SVG, 'title');
      title.textContent = lastKey(pair[0]) + ' \u2014 ' + pair[2] + ' \u2192 ' + lastKey(pair[1]);
      path.appendChild(title);
      svg.appendChild(path);
    });
    // The taken arrows last: drawn over the faint ones.
    Array.prototype.slice.call(svg.querySelectorAll('path.arrow.taken')).forEach(function (path) { svg.appendChild(path); });
  }

  function showActive(nodes, active, entered) {
    var on = new Set(active);
    nodes.forEach(function (node, id) { node.classList.toggle('active', on.has(id)); });
    entered.forEach(function (id) {
      var node = nodes.get(id);
      if (!node || !(node.classList.contains('atomic') || node.classList.contains('final'))) return;
      node.classList.remove('flash');
      void node.offsetWidth;
      node.classList.add('flash');
    });
  }
`;
