/**
 * The page script's traces: the selected shard's history downloaded as a JSON file (the machine's
 * structure included), and a trace file loaded back, even into a page with no feed (a saved copy of
 * the page works offline), to replay the shard's history step by step on its statechart.
 */
export const traceScript = String.raw`
  var TRACE_FORMAT = 'statecord-trace';
  var pendingDownload = null;

  function askDownload() {
    if (!selected || replay) return;
    pendingDownload = selected.id;
    requestHistory(selected.id);
  }

  function download(message) {
    var trace = {
      format: TRACE_FORMAT, version: 1, shard: message.shard, recordedAt: new Date().toISOString(),
      machine: machine, voiceMachine: voiceMachine, entries: message.entries
    };
    var blob = new Blob([JSON.stringify(trace, null, 1)], { type: 'application/json' });
    var link = el('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'statecord-shard-' + message.shard + '-trace.json';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  function validTrace(trace) {
    return trace && trace.format === TRACE_FORMAT && trace.version === 1 && Number.isInteger(trace.shard) &&
      trace.machine && Array.isArray(trace.machine.children) && Array.isArray(trace.entries) &&
      trace.entries.every(function (entry) {
        return entry && Array.isArray(entry.active) && typeof entry.event === 'string' && typeof entry.from === 'string' &&
          typeof entry.to === 'string' && typeof entry.at === 'number';
      });
  }

  function loadTrace(file) {
    file.text().then(function (text) {
      var trace = JSON.parse(text);
      if (!validTrace(trace)) throw new Error('not a statecord trace');
      startReplay(trace);
    }).catch(function (error) {
      els.replayStep.textContent = 'could not load the trace: ' + error.message;
      els.replayBar.hidden = false;
    });
  }

  function startReplay(trace) {
    var shardEntries = trace.entries.filter(function (entry) { return !entry.guild; });
    buildDetail(trace.shard, trace.machine, 'Trace of shard ' + trace.shard);
    selected.card.classList.add('replaying');
    replay = { shard: trace.shard, entries: shardEntries, step: 0, pairs: transitionsOf(trace.machine), root: trace.machine.id };
    els.historyTitle.textContent = 'Replay of shard ' + trace.shard + ' (' + shardEntries.length + ' steps)';
    els.replayBar.hidden = false;
    showStep(0);
  }

  function showStep(step) {
    if (!replay || replay.entries.length === 0) { els.replayStep.textContent = 'no steps'; return; }
    replay.step = Math.max(0, Math.min(replay.entries.length - 1, step));
    var entry = replay.entries[replay.step];
    var before = replay.step > 0 ? replay.entries[replay.step - 1].active : [];
    var entered = entry.active.filter(function (id) { return before.indexOf(id) < 0; });
    showActive(selected.nodes, entry.active, entered);
    drawArrows(selected.svg, selected.wrap, selected.nodes, replay.pairs, takenBy(entry, selected.nodes, replay.root, replay.pairs));
    selected.badge.textContent = entry.to.split('.')[0];
    selected.badge.className = 'badge s-' + entry.to.split('.')[0];
    selected.card.setAttribute('data-step', String(replay.step));
    selected.leaves.textContent = entry.event + (entry.detail ? ' (' + entry.detail + ')' : '') + ': ' + entry.from + ' \u2192 ' + entry.to;
    els.replayStep.textContent = 'step ' + (replay.step + 1) + ' of ' + replay.entries.length + ' \u00b7 ' + clock(entry.at);
    renderHistory();
  }

  function leaveReplay() {
    if (!replay) return;
    var id = replay.shard;
    replay = null;
    els.replayBar.hidden = true;
    if (views.has(id)) select(id);
    else { els.detail.hidden = true; selected = null; }
  }
`;
