// A real browser on fovea's status page: Debian's chromium, headless,
// driven by playwright-core (never a browser Playwright downloads). The
// test sends one JSON command per line on stdin; each gets one line on
// stdout, {"reply": N, ...} (N counts from 1), or {"reply": N, "error":
// TEXT} if it failed. Exits when stdin closes.
//
//   node status_page_browser.js [--resolve NAME=IP]
//
// --resolve maps a host name to an address for the connections Playwright
// makes, as curl's --resolve does: a page opened with a client certificate
// is fetched through Playwright's own TLS proxy in this process, which
// checks the server's certificate against Node's CAs (the test adds its CA
// with NODE_EXTRA_CA_CERTS) and its name.
//
// Commands:
//   {"cmd": "open", "url": U, "cert": PEM path, "key": PEM path}
//       a fresh context (cert and key optional) on U; replies once the
//       page's script has refreshed it from the API at least once.
//   {"cmd": "workers"} / {"cmd": "jobs"}
//       the rows the script drew: id, state, cells' text, buttons.
//   {"cmd": "wait_worker", "worker": W, "state": S, "in_flight_above": K,
//    "timeout_ms": T}
//       waits until W's row shows state S (if given) and more than K
//       batches in flight (if given); replies with its row.
//   {"cmd": "watch_job", "name": N, "timeout_ms": T, "screenshot": PATH}
//       each progress value the page showed for job N until it finished;
//       a screenshot once it was between a fifth and four fifths done.
//   {"cmd": "events"}
//       the texts in the recent-events table.
//   {"cmd": "wait_event", "contains": TEXT, "timeout_ms": T}
//       waits until an event row holds TEXT.
//   {"cmd": "drain", "worker": W}
//       clicks W's drain button, accepts the confirmation, and replies with
//       the question asked and what the page said of the answer.
//   {"cmd": "post", "path": P, "confirm": A}
//       a POST from the page's own script context (as its buttons send);
//       replies with the HTTP status.
//   {"cmd": "markup"}
//       what the cluster's text could have become: elements in the tables
//       other than the page's own kinds, <img> and <script> anywhere, and
//       whether window.pwned was set.
//   {"cmd": "screenshot", "path": PATH}
// Every reply also carries "page_errors": uncaught exceptions and console
// errors (a CSP violation among them) since the page opened.
'use strict';
const dns = require('dns');
const readline = require('readline');
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const resolved = new Map();
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--resolve') {
    const [name, address] = args[++i].split('=');
    resolved.set(name, address);
  }
}
if (resolved.size > 0) {
  // Playwright's proxy resolves with dns.promises.lookup; net with
  // dns.lookup.
  const mapped = (host) => (resolved.has(host) ? resolved.get(host) : host);
  const lookup = dns.lookup;
  dns.lookup = (host, options, callback) => lookup(mapped(host), options, callback);
  const promised = dns.promises.lookup;
  dns.promises.lookup = (host, options) => promised(mapped(host), options);
}

let browser = null;
let context = null;
let page = null;
let pageErrors = [];

async function open(command) {
  if (context)
    await context.close();
  const options = { viewport: { width: 1200, height: 900 } };
  if (command.cert) {
    const origin = new URL(command.url).origin;
    options.clientCertificates = [{ origin, certPath: command.cert, keyPath: command.key }];
  }
  context = await browser.newContext(options);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push('exception: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error')
      pageErrors.push('console: ' + m.text());
  });
  const answer = await page.goto(command.url);
  if (!answer || !answer.ok())
    return { status: answer ? answer.status() : 0 };
  await page.waitForFunction(
    () => document.getElementById('refreshed').textContent.startsWith('refreshed'),
    null, { timeout: 20000 });
  return { status: answer.status() };
}

function rows(kind) {
  return page.evaluate((kind) => {
    const table = document.getElementById(kind === 'worker' ? 'workers' : 'jobs');
    return [...table.tBodies[0].rows]
      .filter((row) => row.dataset[kind] !== undefined)
      .map((row) => ({
        id: row.dataset[kind],
        cells: [...row.cells].map((c) => c.textContent),
        state: row.cells[kind === 'worker' ? 2 : 4].textContent,
        buttons: [...row.querySelectorAll('button')].map((b) => b.textContent),
      }));
  }, kind);
}

// The job's progress as the page shows it now: [value, max, state] or null.
function progressOf(name) {
  return page.evaluate((name) => {
    for (const row of document.getElementById('jobs').tBodies[0].rows) {
      if (row.dataset.job === undefined || row.cells[1].textContent !== name)
        continue;
      const bar = row.querySelector('progress');
      return [bar.value, bar.max, row.cells[4].textContent];
    }
    return null;
  }, name);
}

async function watchJob(command) {
  const seen = [];
  let shot = false;
  const deadline = Date.now() + command.timeout_ms;
  for (;;) {
    const last = seen.length ? seen[seen.length - 1] : null;
    // Wait for the page to show something new of the job.
    await page.waitForFunction(([name, last]) => {
      for (const row of document.getElementById('jobs').tBodies[0].rows) {
        if (row.dataset.job === undefined || row.cells[1].textContent !== name)
          continue;
        const bar = row.querySelector('progress');
        const now = [bar.value, bar.max, row.cells[4].textContent];
        return JSON.stringify(now) !== JSON.stringify(last);
      }
      return false;
    }, [command.name, last], { timeout: Math.max(1, deadline - Date.now()) });
    const now = await progressOf(command.name);
    seen.push(now);
    const [value, max, state] = now;
    if (!shot && command.screenshot && value >= max / 5 && value <= 4 * max / 5) {
      await page.screenshot({ path: command.screenshot, fullPage: true });
      shot = true;
    }
    if (state !== 'running')
      return { seen, screenshot: shot };
  }
}

async function waitWorker(command) {
  await page.waitForFunction((c) => {
    const row = document.querySelector(`#workers tr[data-worker="${c.worker}"]`);
    if (!row)
      return false;
    return (c.state === undefined || row.cells[2].textContent === c.state)
      && (c.in_flight_above === undefined || Number(row.cells[4].textContent) > c.in_flight_above);
  }, command, { timeout: command.timeout_ms });
  return { row: (await rows('worker')).find((r) => r.id === command.worker) };
}

async function drain(command) {
  let question = null;
  page.once('dialog', (dialog) => {
    question = dialog.message();
    dialog.accept();
  });
  await page.locator(`#workers tr[data-worker="${command.worker}"] button`, { hasText: 'drain' }).click();
  await page.waitForFunction(
    () => document.getElementById('changed').textContent !== '',
    null, { timeout: 20000 });
  const said = await page.evaluate(() => document.getElementById('changed').textContent);
  return { question, said };
}

function post(command) {
  return page.evaluate(async ([path, confirm]) => {
    const answer = await fetch(path, { method: 'POST', headers: { 'X-Fovea-Confirm': confirm } });
    return { status: answer.status, body: await answer.text() };
  }, [command.path, command.confirm]);
}

function markup() {
  return page.evaluate(() => {
    const own = new Set(['TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'PROGRESS', 'METER',
                         'BUTTON', 'svg', 'polyline', 'title']);
    const foreign = [];
    for (const table of document.querySelectorAll('table'))
      for (const e of table.querySelectorAll('*'))
        if (!own.has(e.tagName))
          foreign.push(e.tagName);
    return {
      foreign,
      images: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      pwned: window.pwned === 1,
    };
  });
}

function events() {
  return page.evaluate(() =>
    [...document.getElementById('events').tBodies[0].rows].map((r) => r.cells[2].textContent));
}

async function waitEvent(command) {
  await page.waitForFunction(
    (text) => [...document.getElementById('events').tBodies[0].rows]
      .some((r) => r.cells[2].textContent.includes(text)),
    command.contains, { timeout: command.timeout_ms });
  return { events: await events() };
}

async function run(command) {
  switch (command.cmd) {
    case 'open': return open(command);
    case 'workers': return { rows: await rows('worker') };
    case 'jobs': return { rows: await rows('job') };
    case 'wait_worker': return waitWorker(command);
    case 'watch_job': return watchJob(command);
    case 'events': return { events: await events() };
    case 'wait_event': return waitEvent(command);
    case 'drain': return drain(command);
    case 'post': return post(command);
    case 'markup': return markup();
    case 'screenshot':
      await page.screenshot({ path: command.path, fullPage: true });
      return {};
    default: throw new Error('no command ' + command.cmd);
  }
}

async function main() {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  console.log(JSON.stringify({ ready: browser.version() }));
  const lines = readline.createInterface({ input: process.stdin });
  let n = 0;
  for await (const line of lines) {
    if (!line.trim())
      continue;
    ++n;
    let reply;
    try {
      reply = { reply: n, ...(await run(JSON.parse(line))) };
    } catch (e) {
      reply = { reply: n, error: String(e.message || e).split('\n')[0] };
    }
    reply.page_errors = pageErrors;
    console.log(JSON.stringify(reply));
  }
  await browser.close();
}

main().catch((e) => {
  console.log(JSON.stringify({ fatal: String(e.message || e) }));
  process.exit(1);
});
