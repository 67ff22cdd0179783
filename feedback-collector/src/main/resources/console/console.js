// Loopline ops console. Every piece of data is put in the page as text (textContent / text
// nodes), never as HTML: ticket text and attributes are user input.
'use strict';

(function () {
  const REFRESH_MS = 5000;
  const LIVE_MAX = 50;
  let me = null;
  let charts = {};

  function $(id) { return document.getElementById(id); }

  /** Builds an element; string children become text nodes. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function pct(x) { return x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%'; }
  function num(x) { return x === null || x === undefined ? '-' : x.toFixed(3); }
  // A duration the way the status line of `loopline up` writes it: 8.4 s, 41 s, 3 min 5 s.
  function duration(ms) {
    if (ms === null || ms === undefined) return '-';
    const s = Math.floor(ms / 1000);
    if (s >= 120) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : s + ' s';
  }
  function latencyText(c) {
    if (!c) return '-';
    return c.millis === null || c.millis === undefined ? 'pending' : duration(c.millis);
  }
  function when(s) { return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'; }

  function status(msg, isError) {
    const s = $('status');
    s.textContent = msg || '';
    s.className = isError ? 'status error' : 'status';
  }

  async function api(path, options) {
    const res = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, options || {}));
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const err = new Error((body && body.error) || ('HTTP ' + res.status));
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function post(path, payload) {
    return api(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
  }

  const isOperator = () => me && me.role === 'OPERATOR';

  // ---------- live corrections ----------

  function attributesNode(attrs) {
    const keys = Object.keys(attrs || {});
    if (!keys.length) return null;
    return el('ul', { class: 'attrs' }, keys.sort().map((k) => el('li', null, el('b', { text: k }), ' ', attrs[k])));
  }

  function liveItem(c) {
    const verdict = c.correct === true ? 'ok' : c.correct === false ? 'wrong' : 'none';
    return el('li', { class: 'live-item ' + verdict, dataset: { eventId: c.eventId } },
      el('div', { class: 'meta' },
        el('span', { class: 'label', text: c.label }),
        el('span', { class: 'src', text: c.source }),
        c.predictedLabel ? el('span', { class: 'pred', text: 'predicted ' + c.predictedLabel + (c.predictedBy ? ' (' + c.predictedBy + ')' : '') }) : null,
        el('span', { class: 'by', text: (c.labeledBy || '') + ' · ' + when(c.labeledAt) })),
      el('div', { class: 'text', text: c.text || '(text not held)' }),
      el('div', { class: 'id', text: c.eventId }),
      attributesNode(c.attributes));
  }

  function addLive(c, atTop) {
    const list = $('live');
    const node = liveItem(c);
    if (atTop) list.insertBefore(node, list.firstChild); else list.appendChild(node);
    while (list.children.length > LIVE_MAX) list.removeChild(list.lastChild);
  }

  async function loadRecent() {
    const recent = await api('/api/corrections/recent?limit=' + LIVE_MAX);
    clear($('live'));
    recent.forEach((c) => addLive(c, false));
  }

  function connectLive() {
    const src = new EventSource('/api/live');
    src.addEventListener('open', () => { $('live-state').textContent = 'live'; $('live-state').className = 'badge on'; });
    src.addEventListener('error', () => { $('live-state').textContent = 'reconnecting'; $('live-state').className = 'badge'; });
    src.addEventListener('correction', (ev) => {
      const c = JSON.parse(ev.data);
      addLive(c, true);
      const row = document.querySelector('#triage tr[data-event-id="' + CSS.escape(c.eventId) + '"]');
      if (row) {
        row.remove();
        $('triage-count').textContent = String($('triage').children.length);
      }
    });
    src.addEventListener('forgotten', (ev) => {
      const f = JSON.parse(ev.data);
      document.querySelectorAll('[data-event-id="' + CSS.escape(f.eventId) + '"]').forEach((n) => n.remove());
    });
  }

  // ---------- triage ----------

  function guesses(probabilities) {
    const top = (probabilities || []).slice().sort((a, b) => b.probability - a.probability).slice(0, 3);
    return el('ol', { class: 'guesses' }, top.map((p) => el('li', null, el('span', { text: p.label }), ' ', el('span', { class: 'p', text: pct(p.probability) }))));
  }

  function labelSelect(probabilities, preferred, extra) {
    const labels = (probabilities || []).map((p) => p.label);
    if (extra && !labels.includes(extra)) labels.push(extra);
    const s = el('select', { class: 'label-select' }, labels.sort().map((l) => el('option', { value: l, text: l })));
    if (preferred) s.value = preferred;
    return s;
  }

  function triageRow(item) {
    const source = item.audit ? 'AUDIT' : 'TRIAGE';
    const select = labelSelect(item.probabilities, item.topLabel);
    const button = el('button', { class: 'op resolve', type: 'button', text: 'Resolve' });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await post('/api/corrections', { eventId: item.eventId, label: select.value, source: source });
        status('Resolved ' + item.eventId + ' as ' + select.value + ' (' + source + ')');
        row.classList.add('done');
      } catch (e) {
        status('Could not resolve ' + item.eventId + ': ' + e.message, true);
        button.disabled = false;
      }
    });
    const row = el('tr', { dataset: { eventId: item.eventId } },
      el('td', null,
        item.audit ? el('span', { class: 'badge audit', text: 'audit' }) : null,
        el('div', { class: 'text', text: item.text || '(text not held)' }),
        el('div', { class: 'id', text: item.eventId + ' · ' + when(item.occurredAt) + ' · ' + item.model + ':' + item.version }),
        attributesNode(item.attributes)),
      el('td', null, guesses(item.probabilities)),
      el('td', null, isOperator() ? [select, button] : el('span', { class: 'hint', text: 'read-only' })));
    return row;
  }

  let triageKey = null;

  async function loadTriage() {
    const items = await api('/api/triage?limit=100');
    const key = items.map((i) => i.eventId).join('\n');
    if (key === triageKey) return; // unchanged: keep the rows (and any label being chosen)
    triageKey = key;
    const body = $('triage');
    clear(body);
    items.forEach((i) => body.appendChild(triageRow(i)));
    $('triage-count').textContent = String(items.length);
  }

  // ---------- ticket lookup (confirm / re-route) ----------

  async function lookup(ev) {
    ev.preventDefault();
    const id = $('lookup-id').value.trim();
    const box = $('ticket');
    clear(box);
    let t;
    try {
      t = await api('/api/tickets/' + encodeURIComponent(id));
    } catch (e) {
      box.appendChild(el('p', { class: 'error', text: e.message }));
      return;
    }
    const select = labelSelect(t.probabilities, t.topLabel, t.topLabel);
    const confirm = el('button', { class: 'op', type: 'button', text: 'Confirm ' + (t.topLabel || '') });
    const reroute = el('button', { class: 'op', type: 'button', text: 'Re-route' });
    const send = async (label, source) => {
      try {
        await post('/api/corrections', { eventId: t.eventId, label: label, source: source });
        status((source === 'CONFIRM' ? 'Confirmed ' : 'Re-routed ') + t.eventId + ' as ' + label);
      } catch (e) {
        status('Could not correct ' + t.eventId + ': ' + e.message, true);
      }
    };
    confirm.addEventListener('click', () => send(t.topLabel, 'CONFIRM'));
    reroute.addEventListener('click', () => send(select.value, 'REROUTE'));
    box.appendChild(el('div', { class: 'ticket' },
      el('div', { class: 'text', text: t.text || '(text not held)' }),
      el('div', { class: 'id', text: t.eventId + ' · ' + (t.decision || '-') + ' → ' + (t.route || '-') + (t.model ? ' · ' + t.model + ':' + t.version : '') }),
      attributesNode(t.attributes),
      guesses(t.probabilities),
      isOperator() && t.topLabel ? el('div', { class: 'actions' }, confirm, ' or ', select, reroute) : null));
  }

  // ---------- stats charts ----------

  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

  function lineChart(id, labels, datasets, percent) {
    if (!window.Chart) return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart($(id), {
      type: 'line',
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: true,
        scales: { y: { beginAtZero: true, max: percent ? 1 : undefined, ticks: { callback: (v) => (100 * v).toFixed(0) + '%' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  async function loadStats() {
    const versions = await api('/api/stats/versions');
    const starts = [...new Set(versions.flatMap((v) => v.windows.map((w) => w.from)))].sort();
    const series = (field) => versions.map((v, i) => {
      const byStart = new Map(v.windows.map((w) => [w.from, w[field]]));
      return {
        label: v.model + ' v' + v.version,
        data: starts.map((s) => (byStart.has(s) ? byStart.get(s) : null)),
        borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length],
      };
    });
    const labels = starts.map(when);
    lineChart('chart-rate', labels, series('correctionRate'), true);
    lineChart('chart-accuracy', labels, series('accuracyOnLabeled'), true);

    const select = $('confusion-version');
    const current = select.value;
    clear(select);
    versions.slice().reverse().forEach((v) => select.appendChild(el('option', { value: v.model + ':' + v.version, text: v.model + ' v' + v.version })));
    if (current && [...select.options].some((o) => o.value === current)) select.value = current;
    await loadConfusion();
  }

  async function loadConfusion() {
    const version = $('confusion-version').value;
    const box = $('confusion');
    if (!version) { clear(box); return; }
    let q = '/api/stats/confusion?version=' + encodeURIComponent(version);
    const hours = $('confusion-window').value;
    if (hours) q += '&from=' + encodeURIComponent(new Date(Date.now() - hours * 3600 * 1000).toISOString());
    const c = await api(q);
    const counts = new Map(c.cells.map((x) => [x.predicted + '\u0000' + x.actual, x.count]));
    const max = Math.max(1, ...c.cells.map((x) => x.count));
    const table = el('table', { class: 'confusion' },
      el('thead', null, el('tr', null, el('th', { text: 'predicted \\ label' }), c.labels.map((l) => el('th', { text: l })), el('th', { text: 'precision' }))),
      el('tbody', null, c.labels.map((p) => {
        const stats = c.perLabel.find((s) => s.label === p);
        return el('tr', null, el('th', { text: p }), c.labels.map((a) => {
          const n = counts.get(p + '\u0000' + a) || 0;
          const level = n === 0 ? 0 : Math.min(4, 1 + Math.floor((4 * n) / (max + 1)));
          return el('td', { class: 'cell l' + level + (p === a ? ' diag' : ''), text: String(n) });
        }), el('td', { class: 'num', text: stats ? pct(stats.precision) : '-' }));
      })),
      el('tfoot', null, el('tr', null, el('th', { text: 'recall' }), c.labels.map((a) => {
        const stats = c.perLabel.find((s) => s.label === a);
        return el('td', { class: 'num', text: stats ? pct(stats.recall) : '-' });
      }), el('td'))));
    clear(box);
    box.appendChild(c.cells.length ? table : el('p', { class: 'hint', text: 'No labeled predictions of this version in the window.' }));
  }

  // ---------- models ----------

  function askReason(title, text) {
    return new Promise((resolve) => {
      const dlg = $('confirm');
      $('confirm-title').textContent = title;
      $('confirm-text').textContent = text;
      $('confirm-reason').value = '';
      dlg.returnValue = '';
      const done = () => {
        dlg.removeEventListener('close', done);
        const reason = $('confirm-reason').value.trim();
        resolve(dlg.returnValue === 'ok' && reason ? reason : null);
      };
      dlg.addEventListener('close', done);
      dlg.showModal();
    });
  }

  async function promote(v) {
    const reason = await askReason('Promote v' + v.version + '?', 'v' + v.version + ' (' + v.verdict + ') will serve; scoring instances hot-swap to it.');
    if (!reason) return;
    try {
      const d = await post('/api/models/promote', { version: v.version, reason: reason, force: v.verdict === 'REJECTED' });
      status('Promoted v' + d.version + ' (was ' + (d.previousVersion || '-') + ')');
      setTimeout(loadModels, 500);
    } catch (e) { status('Promote failed: ' + e.message, true); }
  }

  async function rollback() {
    const reason = await askReason('Roll back?', 'The version that served before the current one will serve again.');
    if (!reason) return;
    try {
      const d = await post('/api/models/rollback', { reason: reason });
      status('Rolled back to v' + d.version + ' (was v' + d.previousVersion + ')');
      setTimeout(loadModels, 500);
    } catch (e) { status('Rollback failed: ' + e.message, true); }
  }

  async function loadModels() {
    const m = await api('/api/models');
    const body = $('versions');
    clear(body);
    m.versions.forEach((v) => {
      const served = v.served.map((s) => when(s.from) + ' → ' + (s.to ? when(s.to) : 'now')).join('; ') || '-';
      const canPromote = isOperator() && v.status !== 'SERVING';
      body.appendChild(el('tr', { class: 'status-' + v.status.toLowerCase(), dataset: { version: String(v.version) } },
        el('td', { text: 'v' + v.version }),
        el('td', null, el('span', { class: 'badge ' + v.status.toLowerCase(), text: v.status })),
        el('td', { class: 'num', text: v.metrics ? pct(v.metrics.accuracy) : '-' }),
        el('td', { class: 'num', text: v.metrics ? num(v.metrics.macroF1) : '-' }),
        el('td', { class: 'num', text: v.metrics ? String(v.metrics.examples) : '-' }),
        el('td', { text: served }),
        el('td', {
          class: 'num c2p',
          text: latencyText(v.correctionToProduction),
          title: v.correctionToProduction ? 'triggered by the correction of ' + v.correctionToProduction.triggeringEventId + ' at ' + when(v.correctionToProduction.triggeringCorrectionAt) : '',
        }),
        el('td', { text: v.reason || '' }),
        el('td', null, canPromote ? el('button', { class: 'op', type: 'button', text: 'Promote…', onclick: () => promote(v) }) : null)));
    });
    const latest = m.latestCorrectionToProduction;
    $('c2p-latest').hidden = !latest;
    if (latest) {
      $('c2p-latest-value').textContent = duration(latest.millis);
      $('c2p-latest-detail').textContent = 'v' + latest.version + ', from the correction of ' + latest.triggeringEventId
        + ' at ' + when(latest.triggeringCorrectionAt) + ' to its first prediction';
    }
    const hist = $('deployments');
    clear(hist);
    m.deployments.forEach((d) => hist.appendChild(el('tr', null,
      el('td', { text: when(d.deployedAt) }),
      el('td', { text: d.action }),
      el('td', { text: 'v' + d.version + (d.shadowVersion ? ' (shadow v' + d.shadowVersion + ')' : '') }),
      el('td', { text: d.previousVersion ? 'v' + d.previousVersion : '-' }),
      el('td', { text: d.actorType + ' ' + d.actor }),
      el('td', { text: d.reason }))));
    $('rollback').hidden = !isOperator() || m.serving === null;
  }

  // ---------- start ----------

  async function refresh() {
    const tasks = [loadTriage(), loadStats(), loadModels()];
    const results = await Promise.allSettled(tasks);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length) status('Some panels could not refresh: ' + failed[0].reason.message, true);
  }

  async function start() {
    if (new URLSearchParams(location.search).get('login') === 'failed') $('login-failed').hidden = false;
    try {
      me = await api('/api/whoami');
    } catch (e) {
      if (e.status === 401) { $('login').hidden = false; return; }
      $('login').hidden = false;
      $('login-failed').hidden = false;
      $('login-failed').textContent = e.message;
      return;
    }
    $('who').textContent = me.name + ' · ' + me.role.toLowerCase();
    $('logout').hidden = false;
    $('console').hidden = false;
    document.body.classList.toggle('viewer', !isOperator());
    $('lookup').addEventListener('submit', lookup);
    $('confusion-version').addEventListener('change', () => loadConfusion().catch((e) => status(e.message, true)));
    $('confusion-window').addEventListener('change', () => loadConfusion().catch((e) => status(e.message, true)));
    $('rollback').addEventListener('click', rollback);
    await loadRecent().catch((e) => status(e.message, true));
    connectLive();
    await refresh();
    setInterval(refresh, REFRESH_MS);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
