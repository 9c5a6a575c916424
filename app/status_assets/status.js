// fovea's status page: refreshes the server-rendered tables every second
// from /api/v1/status (nodes, jobs, models, the queue and the events after
// the last it showed) in one request, adds the new events to the log,
// draws each worker's and job's rate over the last minute, and, for an
// operator, offers drain and cancel behind a confirmation. Text from the cluster only ever goes into
// textContent, never into markup.
'use strict';

const refreshMs = 1000;
const historyLength = 60; // samples: a minute at one a second
const history = new Map(); // "worker:w1" / "job:3" -> [rate, ...]
const canChange = document.body.dataset.canChange === 'yes';
const eventsShown = 50;
let lastEvent = Number(document.getElementById('events').dataset.last || 0);

function remember(key, rate) {
  const samples = history.get(key) || [];
  samples.push(Number.isFinite(rate) ? rate : 0);
  if (samples.length > historyLength)
    samples.shift();
  history.set(key, samples);
  return samples;
}

// A small line chart of `samples` (an inline SVG, built node by node).
function sparkline(samples) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 120, height = 24;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'spark');
  const top = Math.max(...samples, 1);
  const step = width / (historyLength - 1);
  const points = samples.map((value, i) => {
    const x = (historyLength - samples.length + i) * step;
    const y = height - 1 - (value / top) * (height - 2);
    return x.toFixed(1) + ',' + y.toFixed(1);
  });
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.appendChild(line);
  const title = document.createElementNS(ns, 'title');
  title.textContent = 'peak ' + top.toFixed(1) + ' images/s';
  svg.appendChild(title);
  return svg;
}

function cell(row, content) {
  const td = document.createElement('td');
  if (content instanceof Node)
    td.appendChild(content);
  else
    td.textContent = content;
  row.appendChild(td);
  return td;
}

function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return seconds + 's';
  if (seconds < 3600) return Math.floor(seconds / 60) + 'm' + (seconds % 60) + 's';
  return Math.floor(seconds / 3600) + 'h' + Math.floor(seconds % 3600 / 60) + 'm';
}

function say(text) {
  document.getElementById('refreshed').textContent = text;
}

// What became of the viewer's last cancel or drain: it stays until the next.
function sayChanged(text) {
  document.getElementById('changed').textContent = text;
}

// Asks the API to change something, after the viewer confirms.
async function change(question, path, action) {
  if (!window.confirm(question))
    return;
  try {
    const answer = await fetch(path, {
      method: 'POST',
      headers: { 'X-Fovea-Confirm': action },
      credentials: 'same-origin',
    });
    sayChanged(answer.ok ? action + ': done'
                         : action + ' refused: ' + await reason(answer));
  } catch (e) {
    sayChanged(action + ' failed: ' + e);
  }
  refresh();
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

// The table's header, with the columns only the script fills.
function ensureHeader(table, extra) {
  const head = table.tHead.rows[0];
  if (head.dataset.extended)
    return;
  for (const name of extra) {
    const th = document.createElement('th');
    th.textContent = name;
    head.appendChild(th);
  }
  head.dataset.extended = 'yes';
}

function renderWorkers(nodes) {
  const table = document.getElementById('workers');
  ensureHeader(table, canChange ? ['last minute', ''] : ['last minute']);
  const body = document.createElement('tbody');
  const now = Date.now() / 1000;
  for (const n of nodes) {
    if (n.role !== 'worker')
      continue;
    const row = body.insertRow();
    row.dataset.worker = n.id;
    for (const value of [n.id, n.model, n.state, n.slots, n.in_flight, n.done,
                         n.rate.toFixed(1), n.host, duration(now - n.up_since) + ' ago'])
      cell(row, String(value));
    cell(row, sparkline(remember('worker:' + n.id, n.rate)));
    if (canChange)
      cell(row, n.state === 'ready'
        ? button('drain', () => change('Drain worker ' + n.id + '? It takes no new work and leaves once its batches are done.',
                                       '/api/v1/nodes/' + encodeURIComponent(n.id) + '/drain', 'drain'))
        : '');
  }
  table.replaceChild(body, table.tBodies[0]);
}

function renderJobs(jobs) {
  const table = document.getElementById('jobs');
  ensureHeader(table, canChange ? ['last minute', ''] : ['last minute']);
  const body = document.createElement('tbody');
  for (const j of jobs) {
    const row = body.insertRow();
    row.dataset.job = String(j.id);
    for (const value of [j.id, j.name, j.owner, j.model, j.state])
      cell(row, String(value));
    const progress = document.createElement('progress');
    progress.max = Math.max(j.total, 1);
    progress.value = j.done;
    const td = cell(row, progress);
    td.appendChild(document.createTextNode(' ' + j.done + '/' + j.total));
    cell(row, String(j.errors));
    cell(row, j.rate.toFixed(1));
    cell(row, j.eta_seconds < 0 ? '' : duration(j.eta_seconds));
    cell(row, j.note);
    cell(row, sparkline(remember('job:' + j.id, j.state === 'running' ? j.rate : 0)));
    if (canChange)
      cell(row, j.state === 'running'
        ? button('cancel', () => change('Cancel job ' + j.id + ' (' + j.name + ')?',
                                        '/api/v1/jobs/' + j.id + '/cancel', 'cancel'))
        : '');
  }
  table.replaceChild(body, table.tBodies[0]);
}

function renderModels(models) {
  const table = document.getElementById('models');
  const body = document.createElement('tbody');
  for (const m of models) {
    const row = body.insertRow();
    for (const value of [m.name + '@' + m.version, m.classes, m.workers, m.jobs_running])
      cell(row, String(value));
  }
  table.replaceChild(body, table.tBodies[0]);
}

function mebibytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1) + ' MiB';
}

function meter(value, limit) {
  const m = document.createElement('meter');
  m.min = 0;
  m.max = Math.max(limit, 1);
  m.high = limit - Math.floor(limit / 10);
  m.value = value;
  return m;
}

// Tasks and image bytes against their limits: what clients may still send.
function renderQueue(q) {
  const table = document.getElementById('queue');
  const body = document.createElement('tbody');
  const rows = [
    ['tasks', 'tasks queued', meter(q.tasks, q.tasks_limit), q.tasks + ' of ' + q.tasks_limit],
    ['bytes', 'image bytes held', meter(q.bytes, q.bytes_limit),
     mebibytes(q.bytes) + ' of ' + mebibytes(q.bytes_limit)],
    ['batches', 'batches in flight', '', String(q.batches_in_flight)],
    ['online', 'inference requests', '', q.online_requests + ' (' + mebibytes(q.online_bytes) + ')'],
  ];
  for (const [key, what, bar, words] of rows) {
    const row = body.insertRow();
    row.dataset.key = key;
    cell(row, what);
    cell(row, bar);
    cell(row, words);
  }
  table.replaceChild(body, table.tBodies[0]);
}

// Why an answer is not OK: the API's {"error": ...}, or the front's own
// plain-text refusal (a role that may not use the path).
async function reason(answer) {
  const text = await answer.text();
  try {
    return JSON.parse(text).error || String(answer.status);
  } catch (e) {
    return text.trim() || String(answer.status);
  }
}

// HH:MM:SS, as the server renders the rows the page loads with.
function when(ms) {
  return new Date(ms).toTimeString().slice(0, 8);
}

// New events go on top; the log keeps the newest `eventsShown`.
function addEvents(answer) {
  const body = document.getElementById('events').tBodies[0];
  for (const e of answer.events) {
    const row = body.insertRow(0);
    for (const value of [when(e.at_ms), e.kind, e.text])
      cell(row, value);
  }
  while (body.rows.length > eventsShown)
    body.deleteRow(body.rows.length - 1);
  lastEvent = answer.last;
}

async function getJson(path) {
  const answer = await fetch(path, { credentials: 'same-origin' });
  if (!answer.ok)
    throw new Error(await reason(answer));
  return answer.json();
}

let busy = false;
async function refresh() {
  if (busy)
    return; // one refresh at a time: a slow answer never piles requests up
  busy = true;
  try {
    // One request a refresh: a page open all day costs the coordinator
    // one answer a second.
    const status = await getJson('/api/v1/status?after=' + lastEvent);
    renderWorkers(status.nodes);
    renderJobs(status.jobs);
    renderModels(status.models);
    renderQueue(status.queue);
    addEvents(status);
    say('refreshed ' + when(Date.now()));
  } catch (e) {
    say('cannot refresh: ' + e.message);
  } finally {
    busy = false;
  }
}

refresh();
setInterval(refresh, refreshMs);
