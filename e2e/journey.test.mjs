// Browser test: a citizen registers, reads the initial password from the mail
// drop, finishes the first login, logs out and in again — all by label, the way
// a screen reader user would find the fields. Every page visited is checked with
// axe-core (WCAG 2.1 A/AA); serious and critical violations fail the test.
//
// Run:  node --test e2e/          (or scripts/e2e.sh, which installs chromium first)
// Env:  BP_BIN          server binary (default target/debug/buergerportal)
//       BP_E2E_KEEP=1   keep the temp dir (database, mails, server log)
//       BP_E2E_HEADED=1 show the browser

import { test, before, after } from 'node:test';
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
const RESULTS_DIR = path.join(HERE, 'test-results');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const CAPTCHA_ANSWER = '4711';
const FIRST_NAME = 'Erika';
const LAST_NAME = 'Mustermann';
const EMAIL = `erika.e2e.${Date.now()}@example.org`;
const QUESTION = 'Wie lautete Ihre erste Telefonnummer?';
const ANSWER = '0521 123456';
const NEW_PASSWORD = 'Laterne Sommerwiese Fahrradklingel';

let server; // { url, dataDir, child, log() }
let browser;

// ---------------------------------------------------------------------------
// Server
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `buergerportal serve` on a free port with a fresh data dir; waits for /readyz. */
async function startServer() {
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
  const child = spawn(bin, ['serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------------------
// Mail
// ---------------------------------------------------------------------------

/** Decodes a quoted-printable body (soft line breaks and =XX escapes) as UTF-8. */
function decodeQuotedPrintable(text) {
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
  return Buffer.from(bytes).toString('utf8');
}

/** The readable text of a MIME message: every text part, decoded. */
function mailText(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name) => {
    const m = headers.replace(/\r?\n[ \t]+/g, ' ').match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
    return m ? m[1].trim() : '';
  };
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

/** Polls <dataDir>/mail/*.eml for the mail to `email` and returns its initial password. */
async function readInitialPassword(dataDir, email, timeoutMs = 15_000) {
  const mailDir = path.join(dataDir, 'mail');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      const raw = fs.readFileSync(path.join(mailDir, file), 'utf8');
      if (!raw.toLowerCase().includes(email.toLowerCase())) continue;
      const m = mailText(raw).match(/Ihr initiales Kennwort lautet:[ \t]*(\S+)/);
      if (m) return m[1];
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no mail with "Ihr initiales Kennwort lautet: …" to ${email} in ${mailDir} after ${timeoutMs / 1000} s ` +
          `(files: ${files.join(', ') || 'none'})`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------
// Accessibility
// ---------------------------------------------------------------------------

/**
 * Runs axe-core on the current page and records serious/critical violations in
 * `found`. The script is evaluated through the DevTools protocol, which the
 * site's CSP (no inline scripts) does not block.
 */
async function checkAccessibility(page, found, step) {
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

function formatViolations(found) {
  return found
    .map(
      (v) =>
        `[${v.impact}] ${v.id} on ${v.page} (${v.step}): ${v.help}\n  ${v.helpUrl}\n` +
        v.nodes.map((n) => `    - ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

function assertNoViolations(found) {
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
function field(scope, label) {
  return scope.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(?![\\p{L}\\p{N}-])`, 'u'));
}

/** The page's main region (falls back to the whole page if there is none). */
async function main(page) {
  const m = page.locator('main');
  return (await m.count()) > 0 ? m.first() : page;
}

/** Clicks the button `name` in the main region and waits for the page it leads to. */
async function submitWith(page, name) {
  const scope = await main(page);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    scope.getByRole('button', { name, exact: true }).click(),
  ]);
}

async function expectPath(page, pathname, timeout = 10_000) {
  try {
    await page.waitForURL((u) => u.pathname === pathname, { timeout });
  } catch {
    throw new Error(`expected to be on ${pathname}, but on ${page.url()}\n${await pageSummary(page)}`);
  }
}

/** Headings, alerts and the start of the text, for failure messages. */
async function pageSummary(page) {
  try {
    return await page.evaluate(() => {
      const text = (el) => el.innerText.replace(/\s+/g, ' ').trim();
      const heads = [...document.querySelectorAll('h1,h2')].map(text).slice(0, 5);
      const alerts = [...document.querySelectorAll('[role=alert],.kern-alert')].map(text).slice(0, 3);
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

/** Opens a fresh browser context, runs `body(page, a11y)`, saves artifacts on failure. */
async function withPage(name, body) {
  const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
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
  const a11y = [];
  let journeyDone = false;
  try {
    await body(page, a11y);
    journeyDone = true;
    assert.deepEqual(problems.filter((p) => / -> 5\d\d /.test(p)), [], 'server errors during the test');
    assertNoViolations(a11y);
  } catch (err) {
    await saveFailureArtifacts(page, name);
    if (!journeyDone && a11y.length) console.log(`accessibility violations so far:\n${formatViolations(a11y)}`);
    throw err;
  } finally {
    if (problems.length) console.log(`browser diagnostics (${name}):\n  ${problems.join('\n  ')}`);
    await context.close();
  }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
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
});

after(async () => {
  await browser?.close();
  if (server) {
    await server.stop();
    if (process.env.BP_E2E_KEEP) {
      console.log(`kept ${server.dataDir}`);
    } else {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.writeFileSync(path.join(RESULTS_DIR, 'server.log'), server.log());
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
  }
});

test('registration form rejects bad input with German messages and keeps values', { timeout: 60_000 }, async () => {
  await withPage('bad-input', async (page, a11y) => {
    await page.goto(`${server.url}/konto-erstellen`);
    await checkAccessibility(page, a11y, 'registration form');
    const form = await main(page);

    await field(form, 'Nachname').fill(LAST_NAME);
    await field(form, 'Geburtstag').fill('31.02.2000');
    await field(form, 'E-Mail-Adresse').first().fill(`bad.${EMAIL}`);
    await field(form, 'Text-Überprüfung').fill(CAPTCHA_ANSWER);
    await submitWith(page, 'Speichern');

    // The error summary: role="alert", or the box around a heading "Bitte korrigieren Sie …".
    let summary = page.getByRole('alert').filter({ hasText: /\S/ }).first();
    if ((await summary.count()) === 0) {
      const heading = page.getByRole('heading', { name: /Bitte korrigieren Sie/i }).first();
      if ((await heading.count()) === 0) {
        throw new Error(`no error summary after submitting bad input on ${page.url()}\n${await pageSummary(page)}`);
      }
      summary = heading.locator('xpath=..');
    }
    const summaryText = (await summary.innerText()).replace(/\s+/g, ' ');
    console.log(`error summary: ${summaryText}`);
    assert.match(summaryText, /Vorname/i, 'the error summary names the missing Vorname');
    assert.match(summaryText, /Geburtstag|Geburtsdatum|Datum/i, 'the error summary names the impossible date');
    assert.doesNotMatch(summaryText, /\b(required|invalid|must|error|field)\b/i, 'messages are German');

    assert.equal(await field(form, 'Nachname').inputValue(), LAST_NAME, 'Nachname is kept');
    assert.equal(await field(form, 'Geburtstag').inputValue(), '31.02.2000', 'Geburtstag is kept');
    assert.equal(await field(form, 'Vorname').getAttribute('aria-invalid'), 'true', 'Vorname is marked aria-invalid');

    // The summary links lead to the fields.
    const links = summary.getByRole('link');
    for (let i = 0; i < (await links.count()); i++) {
      const href = await links.nth(i).getAttribute('href');
      assert.ok(href?.startsWith('#'), `summary link ${i} points into the page (href=${href})`);
      assert.equal(await page.locator(`[id="${href.slice(1)}"]`).count(), 1, `summary link target ${href} exists`);
    }

    await checkAccessibility(page, a11y, 'registration form with errors');
  });
});

test('citizen registers, finishes the first login, logs out and in again', { timeout: 120_000 }, async () => {
  await withPage('journey', async (page, a11y) => {
    // Home → Konto erstellen
    await page.goto(`${server.url}/`);
    await checkAccessibility(page, a11y, 'home');
    const createLink = page.getByRole('link', { name: 'Konto erstellen', exact: true });
    if ((await createLink.count()) > 0) {
      await createLink.first().click();
    } else {
      console.log('note: no link "Konto erstellen" on /, going to /konto-erstellen directly');
      await page.goto(`${server.url}/konto-erstellen`);
    }
    await expectPath(page, '/konto-erstellen');
    await checkAccessibility(page, a11y, 'registration form');

    // Register
    let form = await main(page);
    await field(form, 'Vorname').fill(FIRST_NAME);
    await field(form, 'Nachname').fill(LAST_NAME);
    const emailFields = field(form, 'E-Mail-Adresse');
    for (let i = 0; i < (await emailFields.count()); i++) await emailFields.nth(i).fill(EMAIL); // a repeat field, if any
    await field(form, 'Text-Überprüfung').fill(CAPTCHA_ANSWER);
    await submitWith(page, 'Speichern');
    const formStillThere = new URL(page.url()).pathname === '/konto-erstellen' && (await field(page, 'Vorname').count()) > 0;
    if (formStillThere || (await page.getByRole('heading', { name: /Bitte korrigieren Sie/i }).count()) > 0) {
      throw new Error(`registration was not accepted:\n${await pageSummary(page)}`);
    }
    console.log(`confirmation page: ${page.url()} — ${await page.title()}`);
    await checkAccessibility(page, a11y, 'registration confirmation');

    // Initial password from the mail drop
    const initialPassword = await readInitialPassword(server.dataDir, EMAIL);

    // First login with the initial password
    await page.goto(`${server.url}/anmelden`);
    await checkAccessibility(page, a11y, 'login form');
    form = await main(page);
    await field(form, 'E-Mail-Adresse').fill(EMAIL);
    await field(form, 'Kennwort').fill(initialPassword);
    await submitWith(page, 'Anmelden');
    await expectPath(page, '/erstanmeldung');
    await checkAccessibility(page, a11y, 'first login form');

    // Security question and own password
    form = await main(page);
    await field(form, 'Frage').selectOption({ label: QUESTION });
    await field(form, 'Antwort').fill(ANSWER);
    await field(form, 'Neues Kennwort').fill(NEW_PASSWORD);
    await field(form, 'Eingabe wiederholen').fill(NEW_PASSWORD);
    await submitWith(page, 'Speichern');
    await expectPath(page, '/postkorb');
    await page.getByRole('heading', { name: /Postkorb/ }).filter({ visible: true }).first().waitFor();
    await checkAccessibility(page, a11y, 'mailbox');

    // Log out through the header menu
    const menu = page.locator('details > summary', { hasText: `${FIRST_NAME} ${LAST_NAME}` });
    try {
      await menu.first().waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      throw new Error(`no header menu <details><summary>${FIRST_NAME} ${LAST_NAME}</summary> on ${page.url()}`);
    }
    await menu.first().click();
    await checkAccessibility(page, a11y, 'mailbox, user menu open');
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      menu.first().locator('xpath=..').getByRole('button', { name: 'Abmelden', exact: true }).click(),
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

    // The session really ended on the server side.
    await page.goto(`${server.url}/postkorb`);
    const stillIn = new URL(page.url()).pathname === '/postkorb' && (await page.getByRole('heading', { name: /Postkorb/ }).count()) > 0;
    assert.ok(!stillIn, `after logout /postkorb still shows the mailbox (${page.url()})`);

    // Log in again with the new password
    await page.goto(`${server.url}/anmelden`);
    form = await main(page);
    await field(form, 'E-Mail-Adresse').fill(EMAIL);
    await field(form, 'Kennwort').fill(NEW_PASSWORD);
    await submitWith(page, 'Anmelden');
    await expectPath(page, '/postkorb');
    await page.getByRole('heading', { name: /Postkorb/ }).filter({ visible: true }).first().waitFor();
  });
});
