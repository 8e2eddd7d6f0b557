// Shared helpers for the browser tests (e2e/*.test.mjs): a fresh server per test
// file, Chromium through playwright-core, the mail drop, axe-core checks, fields
// found by their labels, and the citizen's way in (register, first login, log in/out).
//
// Env:  BP_BIN          server binary (default target/debug/buergerportal)
//       BP_CHROMIUM     browser binary (default /usr/bin/chromium)
//       BP_E2E_KEEP=1   keep the temp dir (database, mails, server log)
//       BP_E2E_HEADED=1 show the browser

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
export const RESULTS_DIR = path.join(HERE, 'test-results');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The server runs with BP_CAPTCHA_TEST_ANSWER set to this. */
export const CAPTCHA_ANSWER = '4711';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Server and browser
// ---------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `buergerportal serve` (with `--demo` when asked) on a free port with a
 * fresh data dir; waits for /readyz.
 */
export async function startServer({ demo = false } = {}) {
  const bin = process.env.BP_BIN
    ? path.resolve(process.env.BP_BIN)
    : path.join(REPO, 'target', 'debug', 'buergerportal');
  assert.ok(fs.existsSync(bin), `server binary not found: ${bin} (build it or set BP_BIN)`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-e2e-'));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('BP_')) delete env[key];
  Object.assign(env, {
    BP_LISTEN: `127.0.0.1:${port}`,
    BP_BASE_URL: url,
    BP_DATA_DIR: dataDir,
    BP_DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
    BP_CAPTCHA_TEST_ANSWER: CAPTCHA_ANSWER,
    BP_ENV: 'development',
  });

  const logFile = path.join(dataDir, 'server.log');
  const logStream = fs.createWriteStream(logFile);
  const args = demo ? ['serve', '--demo'] : ['serve'];
  const child = spawn(bin, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  // Never leave a server behind, even when the test process is interrupted.
  const killOnExit = () => child.kill('SIGKILL');
  const killOnSignal = (signal) => {
    child.kill('SIGKILL');
    if (!process.env.BP_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(128 + os.constants.signals[signal]);
  };
  process.on('exit', killOnExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, killOnSignal);

  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      throw new Error(`server exited early (${JSON.stringify(exited)}):\n${tail(log())}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after 30 s (GET /readyz):\n${tail(log())}`);
    }
    await sleep(200);
  }

  return {
    url,
    dataDir,
    child,
    log,
    async stop() {
      process.off('exit', killOnExit);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, killOnSignal);
      if (!exited) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([
          new Promise((r) => child.once('exit', () => r(true))),
          sleep(5000).then(() => false),
        ]);
        if (!stopped) child.kill('SIGKILL');
      }
      logStream.end();
    },
  };
}

export function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.BP_CHROMIUM || '/usr/bin/chromium',
    headless: !process.env.BP_E2E_HEADED,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Registers before/after hooks for the calling test file: one fresh server (own
 * temp dir) and one browser. Returns an object whose `server` and `browser` are
 * set once the `before` hook has run. The server log ends up in
 * e2e/test-results/<name>-server.log.
 */
export function useServerAndBrowser(name, options = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    const server = env.server;
    if (!server) return;
    await server.stop();
    if (process.env.BP_E2E_KEEP) {
      console.log(`kept ${server.dataDir}`);
    } else {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.writeFileSync(path.join(RESULTS_DIR, `${name}-server.log`), server.log());
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
  return env;
}

// ---------------------------------------------------------------------------
// Mail
// ---------------------------------------------------------------------------

/** The bytes of quoted-printable text (soft line breaks and =XX escapes). */
function quotedPrintableBytes(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Decodes a quoted-printable body as UTF-8. */
function decodeQuotedPrintable(text) {
  return quotedPrintableBytes(text).toString('utf8');
}

/**
 * Decodes RFC 2047 encoded-words in a header value ("Ihr =?utf-8?b?QsO8?= …").
 * Whitespace between adjacent encoded-words is dropped, and their bytes are
 * joined before decoding, so a character split across two words survives.
 */
export function decodeEncodedWords(value) {
  const re = /=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g;
  let out = '';
  let pending = [];
  let last = 0;
  const flush = () => {
    if (pending.length) out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (let m; (m = re.exec(value)); ) {
    const between = value.slice(last, m.index);
    if (!(pending.length && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    const [, charset, encoding, text] = m;
    assert.match(charset, /^utf-?8$/i, `unexpected charset in encoded-word ${m[0]}`);
    pending.push(
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : quotedPrintableBytes(text.replace(/_/g, ' ')),
    );
    last = re.lastIndex;
  }
  flush();
  return out + value.slice(last);
}

/** Splits a MIME message into a header reader (unfolded, decoded) and its body. */
function splitMessage(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = (split < 0 ? raw : raw.slice(0, split)).replace(/\r?\n[ \t]+/g, ' ');
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name) => {
    const m = headers.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'im'));
    return m ? decodeEncodedWords(m[1].trim()) : '';
  };
  return { header, body };
}

/** The readable text of a MIME message: every text part, decoded. */
export function mailText(raw) {
  const { header, body } = splitMessage(raw);
  const boundary = header('Content-Type').match(/boundary="?([^";]+)"?/i);
  if (boundary) {
    return body
      .split(`--${boundary[1]}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .map((part) => mailText(part.replace(/^\r?\n/, '')))
      .join('\n');
  }
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** Every mail in <dataDir>/mail/*.eml, oldest first: { file, to, subject, text }. */
export function readMails(dataDir) {
  const mailDir = path.join(dataDir, 'mail');
  if (!fs.existsSync(mailDir)) return [];
  return fs
    .readdirSync(mailDir)
    .filter((f) => f.endsWith('.eml'))
    .sort() // UUIDv7 names sort by time
    .map((file) => {
      const raw = fs.readFileSync(path.join(mailDir, file), 'utf8');
      const { header } = splitMessage(raw);
      const to = header('To');
      const address = (to.match(/<([^>]+)>/)?.[1] ?? to).trim().toLowerCase();
      return { file, to: address, subject: header('Subject'), text: mailText(raw) };
    });
}

/** The mails to `email` (case-insensitive), oldest first. */
export function mailsTo(dataDir, email) {
  return readMails(dataDir).filter((m) => m.to === email.toLowerCase());
}

/**
 * Polls the mail drop until a mail to `email` satisfies `match(mail)`; `what`
 * describes it for the failure message.
 */
export async function waitForMail(dataDir, email, what, match, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsTo(dataDir, email);
    const found = mails.find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `"${m.subject}"`).join(', ') || 'none';
      throw new Error(`no mail to ${email} with ${what} after ${timeoutMs / 1000} s (mails to that address: ${seen})`);
    }
    await sleep(250);
  }
}

/** Waits for the mail to `email` with the subject `subject` (after RFC 2047 decoding). */
export function waitForMailWithSubject(dataDir, email, subject, timeoutMs) {
  return waitForMail(dataDir, email, `subject "${subject}"`, (m) => m.subject === subject, timeoutMs);
}

/** Polls the mail drop for the mail to `email` and returns its initial password. */
export async function readInitialPassword(dataDir, email, timeoutMs = 15_000) {
  const pattern = /Ihr initiales Kennwort lautet:[ \t]*(\S+)/;
  const mail = await waitForMail(dataDir, email, '"Ihr initiales Kennwort lautet: …"', (m) => pattern.test(m.text), timeoutMs);
  return mail.text.match(pattern)[1];
}

// ---------------------------------------------------------------------------
// Accessibility
// ---------------------------------------------------------------------------

/**
 * Runs axe-core on the current page and records serious/critical violations in
 * `found`. The script is evaluated through the DevTools protocol, which the
 * site's CSP (no inline scripts) does not block.
 */
export async function checkAccessibility(page, found, step) {
  await page.waitForLoadState('load');
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const pagePath = new URL(page.url()).pathname;
  for (const v of result.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    found.push({
      step,
      page: pagePath,
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    });
  }
}

export function formatViolations(found) {
  return found
    .map(
      (v) =>
        `[${v.impact}] ${v.id} on ${v.page} (${v.step}): ${v.help}\n  ${v.helpUrl}\n` +
        v.nodes.map((n) => `    - ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

export function assertNoViolations(found) {
  assert.equal(found.length, 0, `accessibility violations (serious/critical):\n${formatViolations(found)}`);
}

// ---------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The form control whose label starts with `label` as a whole word (so
 * "Kennwort" matches "Kennwort" or "Kennwort *" but not "Kennwortrichtlinie"
 * or "Neues Kennwort").
 */
export function field(scope, label) {
  return scope.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(?![\\p{L}\\p{N}-])`, 'u'));
}

/** The text a screen reader announces as the control's description (aria-describedby). */
export async function describedBy(control) {
  return control.evaluate((el) =>
    (el.getAttribute('aria-describedby') || '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent.replace(/\s+/g, ' ').trim() ?? `(missing #${id})`)
      .join(' | '),
  );
}

/** The label of the selected option of a <select>. */
export async function selectedLabel(select) {
  return select.evaluate((el) => el.selectedOptions[0]?.textContent.trim() ?? '');
}

/** The page's main region (falls back to the whole page if there is none). */
export async function main(page) {
  const m = page.locator('main');
  return (await m.count()) > 0 ? m.first() : page;
}

/** Clicks the button `name` in the main region and waits for the page it leads to. */
export async function submitWith(page, name) {
  const scope = await main(page);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    scope.getByRole('button', { name, exact: true }).click(),
  ]);
}

/** Clicks a link and waits for the page it leads to. */
export async function follow(page, link) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
}

export async function expectPath(page, pathname, timeout = 10_000) {
  try {
    await page.waitForURL((u) => u.pathname === pathname, { timeout });
  } catch {
    throw new Error(`expected to be on ${pathname}, but on ${page.url()}\n${await pageSummary(page)}`);
  }
}

/**
 * The error summary at the top of a form: role="alert", or the box around a
 * heading "Bitte korrigieren Sie …". Fails if there is none.
 */
export async function errorSummary(page) {
  const alert = page.getByRole('alert').filter({ hasText: /Bitte korrigieren Sie/ }).first();
  if ((await alert.count()) > 0) return alert;
  const heading = page.getByRole('heading', { name: /Bitte korrigieren Sie/i }).first();
  if ((await heading.count()) === 0) {
    throw new Error(`no error summary on ${page.url()}\n${await pageSummary(page)}`);
  }
  return heading.locator('xpath=..');
}

/** The text of the error summary, whitespace collapsed. */
export async function errorSummaryText(page) {
  return (await (await errorSummary(page)).innerText()).replace(/\s+/g, ' ').trim();
}

/** Waits for a status message (role="status", e.g. "Ihre Daten wurden gespeichert.") containing `text`. */
export async function expectStatus(page, text, timeout = 5000) {
  const status = page.getByRole('status').filter({ hasText: text });
  try {
    await status.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`no status message "${text}" on ${page.url()}\n${await pageSummary(page)}`);
  }
  return status.first();
}

/** Headings, alerts and the start of the text, for failure messages. */
export async function pageSummary(page) {
  try {
    return await page.evaluate(() => {
      const text = (el) => el.innerText.replace(/\s+/g, ' ').trim();
      const heads = [...document.querySelectorAll('h1,h2')].map(text).slice(0, 5);
      const alerts = [...document.querySelectorAll('[role=alert],[role=status],.kern-alert')].map(text).slice(0, 3);
      return `  title: ${document.title}\n  headings: ${JSON.stringify(heads)}\n  alerts: ${JSON.stringify(alerts)}\n` +
        `  text: ${text(document.body).slice(0, 400)}`;
    });
  } catch (e) {
    return `  (page not readable: ${e.message})`;
  }
}

async function saveFailureArtifacts(page, name) {
  try {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: true });
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.html`), await page.content());
    console.log(`screenshot: ${path.join(RESULTS_DIR, `${name}.png`)} (url ${page.url()})`);
  } catch (e) {
    console.log(`could not save screenshot: ${e.message}`);
  }
}

/** A fresh browser context (own cookies) with one page that records server errors and script errors. */
async function openPage(browser) {
  const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('response', (res) => {
    const req = res.request();
    // 4xx answers to form posts are expected (422 for invalid input); anything else is worth a look.
    if (res.status() >= 500 || (res.status() >= 400 && !req.isNavigationRequest())) {
      problems.push(`${req.method()} ${res.url()} -> ${res.status()} (${req.resourceType()}, on ${page.url()})`);
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error on ${page.url()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  return { context, page, problems };
}

/**
 * Opens a fresh browser context and runs `body(page, a11y, extra)`; `extra.newPage()`
 * opens another context (a second browser of the same citizen, say). Fails on
 * 5xx answers and on serious/critical axe findings collected in `a11y`; saves
 * screenshots of every open page on failure; closes everything afterwards.
 */
export async function withPage(browser, name, body) {
  const opened = [];
  const open = async () => {
    const p = await openPage(browser);
    opened.push(p);
    return p.page;
  };
  const page = await open();
  const a11y = [];
  let journeyDone = false;
  const problems = () => opened.flatMap((p) => p.problems);
  try {
    await body(page, a11y, { newPage: open });
    journeyDone = true;
    assert.deepEqual(problems().filter((p) => / -> 5\d\d /.test(p)), [], 'server errors during the test');
    assertNoViolations(a11y);
  } catch (err) {
    for (const [i, p] of opened.entries()) {
      if (!p.page.isClosed()) await saveFailureArtifacts(p.page, i === 0 ? name : `${name}-context${i + 1}`);
    }
    if (!journeyDone && a11y.length) console.log(`accessibility violations so far:\n${formatViolations(a11y)}`);
    throw err;
  } finally {
    if (problems().length) console.log(`browser diagnostics (${name}):\n  ${problems().join('\n  ')}`);
    for (const p of opened) await p.context.close();
  }
}

// ---------------------------------------------------------------------------
// The citizen's way in
// ---------------------------------------------------------------------------

let citizenCount = 0;

/**
 * A new citizen with a unique address. `password` is the one chosen at the
 * first login; tests that change it update the object.
 */
export function newCitizen(tag = 'erika') {
  citizenCount += 1;
  return {
    firstName: 'Erika',
    lastName: 'Mustermann',
    email: `${tag}.e2e.${Date.now()}.${citizenCount}@example.org`,
    question: 'Wie lautete Ihre erste Telefonnummer?',
    answer: '0521 123456',
    password: 'Laterne Sommerwiese Fahrradklingel',
  };
}

export const fullName = (citizen) => `${citizen.firstName} ${citizen.lastName}`;

/**
 * Fills and sends the registration form (going to /konto-erstellen first unless
 * already there) and returns the initial password from the mail.
 */
export async function register(page, a11y, server, citizen) {
  if (new URL(page.url()).pathname !== '/konto-erstellen') await page.goto(`${server.url}/konto-erstellen`);
  await checkAccessibility(page, a11y, 'registration form');
  const form = await main(page);
  await field(form, 'Vorname').fill(citizen.firstName);
  await field(form, 'Nachname').fill(citizen.lastName);
  const emailFields = field(form, 'E-Mail-Adresse');
  for (let i = 0; i < (await emailFields.count()); i++) await emailFields.nth(i).fill(citizen.email); // a repeat field, if any
  await field(form, 'Text-Überprüfung').fill(CAPTCHA_ANSWER);
  await submitWith(page, 'Speichern');
  const formStillThere = new URL(page.url()).pathname === '/konto-erstellen' && (await field(page, 'Vorname').count()) > 0;
  if (formStillThere || (await page.getByRole('heading', { name: /Bitte korrigieren Sie/i }).count()) > 0) {
    throw new Error(`registration was not accepted:\n${await pageSummary(page)}`);
  }
  await checkAccessibility(page, a11y, 'registration confirmation');
  return readInitialPassword(server.dataDir, citizen.email);
}

/** Sends the login form at /anmelden; the caller checks where it leads. */
export async function logIn(page, a11y, server, email, password) {
  await page.goto(`${server.url}/anmelden`);
  await checkAccessibility(page, a11y, 'login form');
  const form = await main(page);
  await field(form, 'E-Mail-Adresse').fill(email);
  await field(form, 'Kennwort').fill(password);
  await submitWith(page, 'Anmelden');
}

/** Logs in with the citizen's own password and expects the mailbox. */
export async function logInToMailbox(page, a11y, server, citizen, email = citizen.email) {
  await logIn(page, a11y, server, email, citizen.password);
  await expectPath(page, '/postkorb');
  await page.getByRole('heading', { name: /Postkorb/ }).filter({ visible: true }).first().waitFor();
}

/** On /erstanmeldung: chooses the security question and the own password; expects the mailbox. */
export async function finishFirstLogin(page, a11y, citizen) {
  await expectPath(page, '/erstanmeldung');
  await checkAccessibility(page, a11y, 'first login form');
  const form = await main(page);
  await field(form, 'Frage').selectOption({ label: citizen.question });
  await field(form, 'Antwort').fill(citizen.answer);
  await field(form, 'Neues Kennwort').fill(citizen.password);
  await field(form, 'Eingabe wiederholen').fill(citizen.password);
  await submitWith(page, 'Speichern');
  await expectPath(page, '/postkorb');
  await page.getByRole('heading', { name: /Postkorb/ }).filter({ visible: true }).first().waitFor();
  await checkAccessibility(page, a11y, 'mailbox');
}

/** Registers `citizen`, logs in with the initial password and finishes the first login: ends on /postkorb. */
export async function setUpCitizen(page, a11y, server, citizen) {
  const initialPassword = await register(page, a11y, server, citizen);
  await logIn(page, a11y, server, citizen.email, initialPassword);
  await finishFirstLogin(page, a11y, citizen);
}

/** The header's user menu: <details><summary> with the citizen's name. */
export async function userMenu(page, citizen) {
  const summary = page.locator('details > summary', { hasText: fullName(citizen) }).first();
  try {
    await summary.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    throw new Error(`no header menu <details><summary>${fullName(citizen)}</summary> on ${page.url()}\n${await pageSummary(page)}`);
  }
  return summary;
}

/** Opens the user menu, presses "Abmelden" and expects an "Anmelden" entry in the header. */
export async function logOut(page, a11y, citizen) {
  const summary = await userMenu(page, citizen);
  await summary.click();
  await checkAccessibility(page, a11y, 'user menu open');
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    summary.locator('xpath=..').getByRole('button', { name: 'Abmelden', exact: true }).click(),
  ]);
  const nav = page.locator('header, nav, [role=banner], [role=navigation]');
  const loginEntry = nav
    .getByRole('link', { name: 'Anmelden', exact: true })
    .or(nav.getByRole('button', { name: 'Anmelden', exact: true }))
    .first();
  try {
    await loginEntry.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    throw new Error(`after "Abmelden" no visible "Anmelden" link/button in header/navigation on ${page.url()}\n${await pageSummary(page)}`);
  }
  await checkAccessibility(page, a11y, 'after logout');
}

/** Whether this browser context is logged out: /postkorb sends it to /anmelden. */
export async function expectLoggedOut(page, server, why) {
  await page.goto(`${server.url}/postkorb`);
  const where = new URL(page.url()).pathname;
  assert.equal(where, '/anmelden', `${why}: GET /postkorb should redirect to /anmelden, but shows ${page.url()}\n${await pageSummary(page)}`);
}
