// RecoGrid console: plain JavaScript over the public /v1 API, no build step. The admin key lives in sessionStorage
// (this tab only) and goes out as X-Api-Key. Everything the API returns is shown with textContent, never as HTML.
'use strict';

const KEY_STORAGE = 'recogrid.apiKey';
const LIVE_POINTS = 90;
const LIVE_PERIOD_MS = 2000;

const state = {
  key: sessionStorage.getItem(KEY_STORAGE) || '',
  page: null,
  liveTimer: null,
  live: { events: [], recommendations: [], p99Events: [], p99Recommendations: [], batch: [] },
};

// ---------- helpers ----------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (selector) => document.querySelector(selector);

function when(value) {
  if (!value) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

function num(value, digits = 2) {
  if (value === undefined || value === null) return '–';
  return Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
}

function notice(text, error = false) {
  const box = $('#notice');
  box.textContent = text;
  box.className = error ? 'error' : '';
  box.hidden = !text;
}

function none(text) {
  return el('div', { class: 'none' }, text);
}

// Ids with '/' or that are '.'/'..' travel in the escaped form (base64url of the UTF-8 bytes).
function userPath(id) {
  if (id.includes('/') || id === '.' || id === '..') {
    const bytes = new TextEncoder().encode(id);
    let binary = '';
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    const encoded = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return { path: `/v1/users/${encoded}`, query: 'idEncoding=base64url' };
  }
  return { path: `/v1/users/${encodeURIComponent(id)}`, query: '' };
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.key) headers['X-Api-Key'] = state.key;
  const init = { method, headers, cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    init.body = body === undefined ? '' : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    return { ok: false, status: 0, data: null, problem: `The node did not answer (${error.message}).` };
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  let problem = null;
  if (!response.ok) {
    if (response.status === 401) problem = 'This node needs an admin API key: paste it above (a node writes its local one to {data folder}/admin.key at start-up).';
    else if (response.status === 403) problem = 'This key lacks the admin scope.';
    else problem = (data && (data.detail || data.title)) || `The node answered ${response.status}.`;
  }
  return { ok: response.ok, status: response.status, data, problem };
}

function confirmAction(title, text, okLabel) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

// A table for records whose shape this console does not know (it shows every scalar field).
function genericTable(items, emptyText) {
  if (!Array.isArray(items) || items.length === 0) return none(emptyText);
  const keys = [...new Set(items.flatMap((item) => Object.keys(item).filter((k) => typeof item[k] !== 'object' || item[k] === null)))];
  return el('table', {},
    el('thead', {}, el('tr', {}, keys.map((k) => el('th', {}, k)))),
    el('tbody', {}, items.map((item) => el('tr', {}, keys.map((k) => el('td', {}, /At$/.test(k) ? when(item[k]) : (item[k] ?? '–')))))));
}

// ---------- pages ----------

async function showCluster() {
  const result = await api('GET', '/v1/admin/cluster');
  const tbody = $('#nodes tbody');
  if (!result.ok) {
    notice(result.problem, true);
    fill(tbody, []);
    return;
  }
  const cluster = result.data;
  $('#cluster-summary').textContent =
    `Cluster ${cluster.clusterId} · ${cluster.nodes.length} node(s) · promoted model: ${cluster.promotedModel ?? 'none (popularity)'}`;
  fill(tbody, cluster.nodes.map((node) => el('tr', { class: 'node-row', 'data-address': node.address },
    el('td', {}, node.address, node.self ? el('span', { class: 'muted' }, ' (this node)') : null),
    el('td', {}, node.hostName ?? '–'),
    el('td', { class: 'role' }, node.role ?? '–'),
    el('td', {}, el('span', { class: `badge ${node.status}` }, node.status)),
    el('td', { class: 'model' }, node.modelVersion ?? 'none'),
    el('td', {}, node.loadedVersions.length ? node.loadedVersions.join(', ') : '–'),
    el('td', {}, when(node.startedAt)),
    el('td', {}, when(node.reportedAt)))));
}

async function showModels() {
  const result = await api('GET', '/v1/admin/models');
  const tbody = $('#models tbody');
  if (!result.ok) {
    notice(result.problem, true);
    fill(tbody, []);
    return;
  }
  const registry = result.data;
  $('#models-summary').textContent =
    `Promoted: ${registry.active ?? 'none'} · served by this node: ${registry.servedHere ?? 'none'} · ${registry.versions.length} version(s)`;
  // History lists the versions promoted before the current one.
  $('#rollback').disabled = registry.history.length === 0;
  const versions = [...registry.versions].reverse();
  fill(tbody, versions.length === 0
    ? [el('tr', {}, el('td', { colspan: 7 }, 'No model registered yet: `recogrid train`, then `recogrid models add DIR` or POST /v1/admin/models.'))]
    : versions.map((v) => el('tr', { class: 'model-row', 'data-version': v.version },
      el('td', {}, el('b', {}, v.version)),
      el('td', {}, when(v.addedAt)),
      el('td', { class: 'num' }, num(v.items, 0)),
      el('td', { class: 'num' }, num(v.factors, 0)),
      el('td', {}, v.metrics ? Object.entries(v.metrics).map(([k, x]) => `${k} ${num(x, 4)}`).join(' · ') : '–'),
      el('td', {}, v.source ?? '–'),
      el('td', {}, v.version === registry.active
        ? el('span', { class: 'badge promoted' }, 'promoted')
        : el('button', { type: 'button', class: 'promote', 'data-version': v.version, onclick: () => promote(v.version, registry.active) }, 'Promote…')))));
}

async function promote(version, current) {
  const ok = await confirmAction(
    `Promote ${version}?`,
    `Every node swaps from ${current ?? 'popularity'} to ${version} within seconds; requests in flight finish on the old version.`,
    `Promote ${version}`);
  if (!ok) return;
  const result = await api('POST', `/v1/admin/models/${encodeURIComponent(version)}:promote`);
  if (result.ok) notice(`${version} is promoted; this node serves ${result.data.servedHere ?? 'it shortly'}.`);
  else notice(result.problem, true);
  await showModels();
}

async function rollback() {
  const ok = await confirmAction('Roll back?', 'The version promoted before the current one becomes active again on every node.', 'Roll back');
  if (!ok) return;
  const result = await api('POST', '/v1/admin/models:rollback');
  if (result.ok) notice(`Rolled back: ${result.data.active} is promoted.`);
  else notice(result.problem, true);
  await showModels();
}

async function showTraining() {
  const history = await api('GET', '/v1/admin/models/history');
  const runs = $('#training-runs');
  const schedule = $('#training-schedule');
  // 404/405: this node's API has no such endpoint (yet).
  if (history.status === 404 || history.status === 405) {
    runs.replaceChildren(none('None yet: this node has no retraining endpoints (GET /v1/admin/models/history).'));
    schedule.replaceChildren(none('None yet.'));
    return;
  }
  if (!history.ok) {
    notice(history.problem, true);
    return;
  }
  const data = history.data || {};
  runs.replaceChildren(genericTable(data.runs, 'No retraining run recorded yet.'));
  schedule.replaceChildren(data.schedule
    ? genericTable([typeof data.schedule === 'object' ? data.schedule : { schedule: data.schedule }], '')
    : none('The API does not expose the schedule (setting Training:Schedule, a cron expression).'));
}

async function showExperiments() {
  const result = await api('GET', '/v1/admin/experiments');
  const box = $('#experiments');
  if (result.status === 404 || result.status === 405) {
    box.replaceChildren(none('None yet: this node has no experiment endpoints (GET /v1/admin/experiments).'));
    return;
  }
  if (!result.ok) {
    notice(result.problem, true);
    return;
  }
  const experiments = Array.isArray(result.data) ? result.data : (result.data?.experiments ?? []);
  if (experiments.length === 0) {
    box.replaceChildren(none('No experiment defined yet.'));
    return;
  }
  box.replaceChildren(...experiments.map((x) => el('div', { class: 'experiment' },
    el('h3', {}, x.name ?? x.id ?? 'experiment', x.status ? el('span', { class: 'muted' }, ` · ${x.status}`) : null),
    genericTable(x.variants ?? x.results ?? [], 'No results yet.'))));
}

async function showUser(id) {
  $('#user-id').value = id;
  const { path, query } = userPath(id);
  const suffix = query ? `?${query}` : '';
  // Recommendations first: ranking refreshes the user's vector, which the state then shows.
  const recs = await api('GET', `${path}/recommendations?count=10${query ? `&${query}` : ''}`);
  const user = await api('GET', `${path}${suffix}`);
  if (!user.ok) {
    notice(user.problem, true);
    $('#user').hidden = true;
    return;
  }
  notice('');
  const u = user.data;
  const facts = [
    ['User', u.userId],
    ['Known', u.exists ? 'yes' : 'no events yet'],
    ['Events', num(u.totalEvents, 0)],
    ['First seen', when(u.firstSeen)],
    ['Last seen', when(u.lastSeen)],
    ['By type', Object.entries(u.counters || {}).map(([t, c]) => `${t} ${c}`).join(' · ') || '–'],
    ['Vector', u.hasVector ? `for model ${u.modelVersion}` : 'none (popularity until the user has one)'],
  ];
  $('#user-state').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  fill($('#user-events tbody'), [...(u.recentInteractions || [])].reverse().map((i) => el('tr', {},
    el('td', {}, when(i.timestamp)), el('td', {}, i.itemId), el('td', {}, i.type), el('td', { class: 'num' }, num(i.weight)), el('td', { class: 'num' }, num(i.value)))));
  if (recs.ok) {
    const r = recs.data;
    $('#user-source').textContent = `· source: ${r.source}${r.modelVersion ? ` (model ${r.modelVersion})` : ''}`;
    fill($('#user-recommendations tbody'), r.items.length === 0
      ? [el('tr', {}, el('td', { colspan: 4 }, 'Nothing to recommend yet.'))]
      : r.items.map((item, index) => el('tr', { class: 'recommendation-row' },
        el('td', { class: 'num' }, index + 1), el('td', {}, item.itemId), el('td', { class: 'num' }, num(item.score, 4)),
        el('td', {}, explain(item)))));
  } else {
    $('#user-source').textContent = '';
    fill($('#user-recommendations tbody'), [el('tr', {}, el('td', { colspan: 4 }, recs.problem))]);
  }
  $('#user').hidden = false;
}

// Explanations appear when the API offers them (an `explanation` text or `reasons` list on an item).
function explain(item) {
  if (item.explanation) return typeof item.explanation === 'string' ? item.explanation : JSON.stringify(item.explanation);
  if (Array.isArray(item.reasons)) return item.reasons.map((r) => (typeof r === 'string' ? r : r.itemId ?? JSON.stringify(r))).join(', ');
  return '–';
}

// ---------- live charts ----------

function push(series, value) {
  series.push(value === undefined ? null : value);
  if (series.length > LIVE_POINTS) series.shift();
}

async function pollLive() {
  const result = await api('GET', '/v1/admin/stats');
  if (!result.ok) {
    $('#live-status').textContent = result.problem;
    return;
  }
  const totals = result.data.totals;
  const live = state.live;
  $('#live-status').textContent = totals
    ? `${result.data.nodes.length} node(s) · ${num(totals.activeUsers, 0)} active users · updated ${new Date(result.data.at).toLocaleTimeString()}`
    : 'No numbers yet (no node reported in the last 10 s, or telemetry is off: Telemetry:Enabled=false).';
  push(live.events, totals?.eventsPerSecond);
  push(live.recommendations, totals?.recommendationsPerSecond);
  push(live.p99Events, totals?.eventsP99Ms);
  push(live.p99Recommendations, totals?.recommendationsP99Ms);
  push(live.batch, totals?.meanScoringBatchSize);
  $('#now-events').textContent = num(totals?.eventsPerSecond, 1);
  $('#now-recommendations').textContent = num(totals?.recommendationsPerSecond, 1);
  $('#now-p99').textContent = `${num(totals?.eventsP99Ms)} / ${num(totals?.recommendationsP99Ms)}`;
  $('#now-batch').textContent = num(totals?.meanScoringBatchSize, 1);
  draw($('#chart-events'), [{ values: live.events, color: '#2f6fde' }]);
  draw($('#chart-recommendations'), [{ values: live.recommendations, color: '#2f6fde' }]);
  draw($('#chart-p99'), [{ values: live.p99Events, color: '#2f6fde' }, { values: live.p99Recommendations, color: '#d9822b' }]);
  draw($('#chart-batch'), [{ values: live.batch, color: '#2f6fde' }]);
}

function draw(canvas, lines) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const left = 44;
  const bottom = height - 18;
  const values = lines.flatMap((l) => l.values).filter((v) => v !== null);
  const top = Math.max(1, ...values) * 1.15;
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#6b7385';
  g.strokeStyle = '#e6e9ee';
  for (let i = 0; i <= 4; i += 1) {
    const y = 6 + ((bottom - 6) * i) / 4;
    g.beginPath();
    g.moveTo(left, y);
    g.lineTo(width - 4, y);
    g.stroke();
    g.fillText(num(top * (1 - i / 4), top < 10 ? 1 : 0), 2, y + 4);
  }
  g.fillText(`last ${(LIVE_POINTS * LIVE_PERIOD_MS) / 1000} s`, left, height - 4);
  const step = (width - 4 - left) / (LIVE_POINTS - 1);
  for (const line of lines) {
    g.strokeStyle = line.color;
    g.lineWidth = 2;
    g.beginPath();
    let drawing = false;
    const offset = LIVE_POINTS - line.values.length;
    line.values.forEach((v, i) => {
      if (v === null) { drawing = false; return; }
      const x = left + (offset + i) * step;
      const y = bottom - ((bottom - 6) * v) / top;
      if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
      drawing = true;
    });
    g.stroke();
  }
}

// ---------- navigation ----------

function route() {
  const [page, ...rest] = (location.hash.replace(/^#\/?/, '') || 'cluster').split('/');
  const known = ['cluster', 'models', 'training', 'experiments', 'users', 'live'];
  const current = known.includes(page) ? page : 'cluster';
  state.page = current;
  document.querySelectorAll('.page').forEach((s) => { s.hidden = s.id !== `page-${current}`; });
  document.querySelectorAll('#tabs a').forEach((a) => a.classList.toggle('active', a.dataset.page === current));
  clearInterval(state.liveTimer);
  state.liveTimer = null;
  notice('');
  switch (current) {
    case 'cluster': return showCluster();
    case 'models': return showModels();
    case 'training': return showTraining();
    case 'experiments': return showExperiments();
    case 'users': return rest.length ? showUser(decodeURIComponent(rest.join('/'))) : undefined;
    case 'live':
      state.liveTimer = setInterval(pollLive, LIVE_PERIOD_MS);
      return pollLive();
    default: return undefined;
  }
}

function start() {
  $('#api-key').value = state.key;
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.key = $('#api-key').value.trim();
    sessionStorage.setItem(KEY_STORAGE, state.key);
    route();
  });
  $('#forget-key').addEventListener('click', () => {
    state.key = '';
    $('#api-key').value = '';
    sessionStorage.removeItem(KEY_STORAGE);
    route();
  });
  $('#user-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('#user-id').value.trim();
    if (!id) return;
    const hash = `#/users/${encodeURIComponent(id)}`;
    if (location.hash === hash) route(); else location.hash = hash;
  });
  $('#rollback').addEventListener('click', rollback);
  document.querySelectorAll('.refresh').forEach((b) => b.addEventListener('click', route));
  window.addEventListener('hashchange', route);
  Promise.resolve(route()).finally(() => document.body.setAttribute('data-ready', 'true'));
}

start();
