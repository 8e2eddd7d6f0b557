// Browser test: a citizen registers, reads the initial password from the mail
// drop, finishes the first login, logs out and in again — all by label, the way
// a screen reader user would find the fields. Every page visited is checked with
// axe-core (WCAG 2.1 A/AA); serious and critical violations fail the test.
//
// Run:  node --test e2e/          (or scripts/e2e.sh, which installs chromium first)
// Env:  see e2e/helpers.mjs (BP_BIN, BP_E2E_KEEP=1, BP_E2E_HEADED=1)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAPTCHA_ANSWER,
  checkAccessibility,
  errorSummary,
  expectLoggedOut,
  expectPath,
  field,
  finishFirstLogin,
  logIn,
  logInToMailbox,
  logOut,
  main,
  newCitizen,
  register,
  submitWith,
  useServerAndBrowser,
  withPage,
} from './helpers.mjs';

const env = useServerAndBrowser('journey');

test('registration form rejects bad input with German messages and keeps values', { timeout: 60_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('bad');
  await withPage(browser, 'bad-input', async (page, a11y) => {
    await page.goto(`${server.url}/konto-erstellen`);
    await checkAccessibility(page, a11y, 'registration form');
    const form = await main(page);

    await field(form, 'Nachname').fill(citizen.lastName);
    await field(form, 'Geburtstag').fill('31.02.2000');
    await field(form, 'E-Mail-Adresse').first().fill(citizen.email);
    await field(form, 'Text-Überprüfung').fill(CAPTCHA_ANSWER);
    await submitWith(page, 'Speichern');

    const summary = await errorSummary(page);
    const summaryText = (await summary.innerText()).replace(/\s+/g, ' ');
    console.log(`error summary: ${summaryText}`);
    assert.match(summaryText, /Vorname/i, 'the error summary names the missing Vorname');
    assert.match(summaryText, /Geburtstag|Geburtsdatum|Datum/i, 'the error summary names the impossible date');
    assert.doesNotMatch(summaryText, /\b(required|invalid|must|error|field)\b/i, 'messages are German');

    assert.equal(await field(form, 'Nachname').inputValue(), citizen.lastName, 'Nachname is kept');
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
  const { server, browser } = env;
  const citizen = newCitizen('erika');
  await withPage(browser, 'journey', async (page, a11y) => {
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

    // Register; the initial password comes from the mail drop.
    const initialPassword = await register(page, a11y, server, citizen);
    console.log(`confirmation page: ${page.url()} — ${await page.title()}`);

    // First login with the initial password: security question and own password.
    await logIn(page, a11y, server, citizen.email, initialPassword);
    await finishFirstLogin(page, a11y, citizen);

    // Log out through the header menu; the session really ended on the server side.
    await logOut(page, a11y, citizen);
    await expectLoggedOut(page, server, 'after "Abmelden"');

    // Log in again with the new password.
    await logInToMailbox(page, a11y, server, citizen);
  });
});
