// Browser tests for the citizen's "Login-Daten": Allgemein (Anrede, date of
// birth, confirmed change of the login address), Adresse, Kennwort, Sitzungen
// and Meine Daten (data export, account deletion). Each test registers its own
// citizen and finishes the first login; everything is found by its visible
// label or role, and every page visited is checked with axe-core.
//
// Run:  node --test e2e/          (or scripts/e2e.sh)
// Env:  see e2e/helpers.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  checkAccessibility,
  describedBy,
  errorSummaryText,
  expectLoggedOut,
  expectPath,
  expectStatus,
  field,
  follow,
  fullName,
  logIn,
  logInToMailbox,
  logOut,
  mailsTo,
  main,
  newCitizen,
  pageSummary,
  selectedLabel,
  setUpCitizen,
  submitWith,
  useServerAndBrowser,
  waitForMail,
  waitForMailWithSubject,
  withPage,
} from './helpers.mjs';

const env = useServerAndBrowser('profile');

const TABS = ['Allgemein', 'Kennwort', 'Adresse', 'Sitzungen', 'Meine Daten'];
const LOGIN_FAILED = 'E-Mail-Adresse oder Kennwort sind nicht korrekt';

/** The tab navigation of the Login-Daten. */
const tabs = (page) => page.getByRole('navigation', { name: 'Bereiche der Login-Daten' });

/** From anywhere: main navigation "Login-Daten" → /login-daten/allgemein, tabs checked. */
async function openLoginData(page, a11y) {
  const mainNav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await follow(page, mainNav.getByRole('link', { name: 'Login-Daten', exact: true }));
  await expectPath(page, '/login-daten/allgemein');
  const links = tabs(page).getByRole('link');
  assert.deepEqual(
    (await links.allInnerTexts()).map((t) => t.trim()),
    TABS,
    'tabs "Bereiche der Login-Daten" list the five areas in order',
  );
  assert.equal(
    await tabs(page).getByRole('link', { name: 'Allgemein', exact: true }).getAttribute('aria-current'),
    'page',
    'the tab "Allgemein" is marked aria-current="page"',
  );
  await checkAccessibility(page, a11y, 'Login-Daten: Allgemein');
}

/** Opens a tab of the Login-Daten by its link and checks it is marked as current. */
async function openTab(page, a11y, name, pathname) {
  const link = tabs(page).getByRole('link', { name, exact: true });
  await follow(page, link);
  await expectPath(page, pathname);
  assert.equal(
    await tabs(page).getByRole('link', { name, exact: true }).getAttribute('aria-current'),
    'page',
    `the tab "${name}" is marked aria-current="page"`,
  );
  await checkAccessibility(page, a11y, `Login-Daten: ${name}`);
}

/** Asserts that `control` is marked invalid and its description names `message`. */
async function expectFieldError(control, label, message) {
  assert.equal(await control.getAttribute('aria-invalid'), 'true', `"${label}" is marked aria-invalid`);
  const description = await describedBy(control);
  assert.match(description, message, `"${label}" announces the message through aria-describedby (got "${description}")`);
}

/** A second browser (own cookies) where the same citizen is logged in too. */
async function secondBrowser(newPage, a11y, server, citizen) {
  const other = await newPage();
  await logInToMailbox(other, a11y, server, citizen);
  return other;
}

// ---------------------------------------------------------------------------

test('Allgemein: Anrede, Geschlecht and Geburtsdatum are saved; the mailbox greets with the Anrede', { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('allgemein');
  await withPage(browser, 'profile-general', async (page, a11y) => {
    await setUpCitizen(page, a11y, server, citizen);
    const greeting = page.locator('main').getByText(/^(Guten Tag|Sehr geehrte)/);
    assert.match(
      (await greeting.innerText()).trim(),
      new RegExp(`^Guten Tag ${fullName(citizen)},?$`),
      'without an Anrede the mailbox greets neutrally',
    );

    await openLoginData(page, a11y);
    let form = await main(page);
    assert.equal(await field(form, 'E-Mail-Adresse').inputValue(), citizen.email, 'E-Mail-Adresse shows the login address');
    assert.equal(await field(form, 'Nachname').inputValue(), citizen.lastName, 'Nachname is filled in');
    await field(form, 'Anrede').selectOption({ label: 'Frau' });
    await field(form, 'Geschlecht').selectOption({ label: 'weiblich' });
    await field(form, 'Geburtsdatum').fill('24.12.1980');
    await submitWith(page, 'Speichern');
    await expectStatus(page, 'Ihre Daten wurden gespeichert.');
    await checkAccessibility(page, a11y, 'Allgemein saved');

    // The values are stored, not just echoed.
    await page.reload();
    form = await main(page);
    assert.equal(await selectedLabel(field(form, 'Anrede')), 'Frau', 'Anrede is stored');
    assert.equal(await selectedLabel(field(form, 'Geschlecht')), 'weiblich', 'Geschlecht is stored');
    assert.equal(await field(form, 'Geburtsdatum').inputValue(), '24.12.1980', 'Geburtsdatum is stored');

    await page.goto(`${server.url}/postkorb`);
    await checkAccessibility(page, a11y, 'mailbox with Anrede');
    const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    assert.ok(
      text.includes(`Sehr geehrte Frau ${citizen.lastName}`),
      `/postkorb greets "Sehr geehrte Frau ${citizen.lastName}"\n${await pageSummary(page)}`,
    );
  });
});

test('Allgemein: an impossible date of birth is refused at the field, the input is kept', { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('geburtsdatum');
  await withPage(browser, 'profile-general-bad', async (page, a11y) => {
    await setUpCitizen(page, a11y, server, citizen);
    await openLoginData(page, a11y);
    let form = await main(page);
    await field(form, 'Anrede').selectOption({ label: 'Frau' });
    await field(form, 'Geburtsdatum').fill('31.02.2000');
    await submitWith(page, 'Speichern');
    await expectPath(page, '/login-daten/allgemein');

    const summary = await errorSummaryText(page);
    assert.match(summary, /Datum|Tag und Monat/, `the error summary names the impossible date (got "${summary}")`);
    form = await main(page);
    const birth = field(form, 'Geburtsdatum');
    await expectFieldError(birth, 'Geburtsdatum', /Datum|Tag und Monat/);
    assert.equal(await birth.inputValue(), '31.02.2000', 'Geburtsdatum keeps what was typed');
    assert.equal(await selectedLabel(field(form, 'Anrede')), 'Frau', 'Anrede keeps the choice');
    assert.equal(await field(form, 'E-Mail-Adresse').inputValue(), citizen.email, 'E-Mail-Adresse is kept');
    await checkAccessibility(page, a11y, 'Allgemein with errors');

    // Nothing was saved.
    await page.goto(`${server.url}/login-daten/allgemein`);
    form = await main(page);
    assert.equal(await field(form, 'Geburtsdatum').inputValue(), '', 'the impossible date was not stored');
    assert.equal(await selectedLabel(field(form, 'Anrede')), 'keine Angabe', 'the Anrede was not stored either');
  });
});

test('E-Mail-Adresse: a new login address is confirmed by link; the old one is told', { timeout: 180_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('alt');
  const oldEmail = citizen.email;
  const newEmail = oldEmail.replace(/^alt\./, 'neu.');
  await withPage(browser, 'profile-email', async (page, a11y) => {
    await setUpCitizen(page, a11y, server, citizen);
    await openLoginData(page, a11y);
    let form = await main(page);
    await field(form, 'E-Mail-Adresse').fill(newEmail);
    await field(form, 'Aktuelles Kennwort').fill(citizen.password);
    await submitWith(page, 'Speichern');
    await expectPath(page, '/login-daten/allgemein');
    await expectStatus(page, 'Bitte bestätigen Sie Ihre neue E-Mail-Adresse');
    await checkAccessibility(page, a11y, 'Allgemein, e-mail change requested');
    form = await main(page);
    assert.equal(await field(form, 'E-Mail-Adresse').inputValue(), oldEmail, 'until confirmed, the old address stays the login address');

    // The old address is told; the new one gets the link.
    const requested = await waitForMailWithSubject(server.dataDir, oldEmail, 'Änderung Ihrer Anmeldeadresse angefordert');
    assert.match(requested.text, /neue E-Mail-Adresse eingetragen/, 'the notice to the old address explains the request');
    const linkPattern = /(\S+)\/login-daten\/email-bestaetigen\/([A-Za-z0-9_-]+)/;
    const confirmMail = await waitForMail(server.dataDir, newEmail, 'a link …/login-daten/email-bestaetigen/<token>', (m) => linkPattern.test(m.text));
    const [link, base] = confirmMail.text.match(linkPattern);
    assert.equal(base, server.url, 'the link uses the server\'s base URL');
    assert.equal(confirmMail.subject, 'Bitte bestätigen Sie Ihre neue E-Mail-Adresse', 'subject of the mail to the new address');

    // Opening the link (twice, as a mail scanner might) changes nothing.
    for (const round of [1, 2]) {
      await page.goto(link);
      await page.getByRole('heading', { name: 'Neue E-Mail-Adresse bestätigen' }).waitFor();
      await page.getByRole('button', { name: 'E-Mail-Adresse bestätigen', exact: true }).waitFor();
      if (round === 1) await checkAccessibility(page, a11y, 'confirm e-mail (GET)');
    }
    await page.goto(`${server.url}/login-daten/allgemein`);
    assert.equal(await field(await main(page), 'E-Mail-Adresse').inputValue(), oldEmail, 'a GET of the link did not change the address');
    assert.ok(
      !mailsTo(server.dataDir, oldEmail).some((m) => m.subject === 'Ihre Anmeldeadresse wurde geändert'),
      'a GET of the link sent no "Ihre Anmeldeadresse wurde geändert"',
    );

    // The button confirms.
    await page.goto(link);
    await submitWith(page, 'E-Mail-Adresse bestätigen');
    await expectStatus(page, 'Bestätigt');
    await checkAccessibility(page, a11y, 'confirm e-mail (done)');
    await waitForMailWithSubject(server.dataDir, oldEmail, 'Ihre Anmeldeadresse wurde geändert');

    // The link is used up.
    await page.goto(link);
    assert.equal(
      await page.getByRole('button', { name: 'E-Mail-Adresse bestätigen', exact: true }).count(),
      0,
      'a used link offers no confirm button any more',
    );
    await page.getByText('Bestätigung nicht möglich').waitFor();
    await checkAccessibility(page, a11y, 'confirm e-mail (used link)');

    // Log out; only the new address works from now on.
    await page.goto(`${server.url}/login-daten/allgemein`);
    assert.equal(await field(await main(page), 'E-Mail-Adresse').inputValue(), newEmail, 'Allgemein shows the new address');
    await logOut(page, a11y, citizen);
    await logIn(page, a11y, server, oldEmail, citizen.password);
    await expectPath(page, '/anmelden');
    await page.getByRole('alert').filter({ hasText: LOGIN_FAILED }).waitFor();
    await logInToMailbox(page, a11y, server, citizen, newEmail);
  });
});

test('Adresse: a German PLZ needs five digits; the address is saved', { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('adresse');
  await withPage(browser, 'profile-address', async (page, a11y) => {
    await setUpCitizen(page, a11y, server, citizen);
    await openLoginData(page, a11y);
    await openTab(page, a11y, 'Adresse', '/login-daten/adresse');

    let form = await main(page);
    const country = field(form, 'Land');
    assert.equal(await selectedLabel(country), 'Deutschland', 'Land defaults to Deutschland');
    const countries = (await country.locator('option').allInnerTexts()).map((t) => t.trim());
    assert.ok(countries.includes('Österreich'), 'the country list has German names ("Österreich")');
    assert.ok(!countries.includes('Austria') && !countries.includes('Germany'), 'no English country names');
    assert.match(await form.locator('label[for="telefon"]').innerText(), /optional/, 'Telefon is marked optional');

    await field(form, 'Straße und Hausnummer').fill('Berliner Straße 70');
    await field(form, 'PLZ').fill('3333');
    await field(form, 'Stadt').fill('Gütersloh');
    await submitWith(page, 'Speichern');
    await expectPath(page, '/login-daten/adresse');
    const summary = await errorSummaryText(page);
    assert.match(summary, /fünf Ziffern/, `the error summary names the PLZ rule (got "${summary}")`);
    form = await main(page);
    await expectFieldError(field(form, 'PLZ'), 'PLZ', /fünf Ziffern/);
    assert.equal(await field(form, 'PLZ').inputValue(), '3333', 'PLZ keeps what was typed');
    assert.equal(await field(form, 'Straße und Hausnummer').inputValue(), 'Berliner Straße 70', 'Straße is kept');
    assert.equal(await field(form, 'Stadt').inputValue(), 'Gütersloh', 'Stadt is kept');
    await checkAccessibility(page, a11y, 'Adresse with errors');

    await field(form, 'PLZ').fill('33330');
    await field(form, 'Land').selectOption({ label: 'Deutschland' });
    await submitWith(page, 'Speichern');
    await expectStatus(page, 'Ihre Adresse wurde gespeichert.');
    await checkAccessibility(page, a11y, 'Adresse saved');

    await page.reload();
    form = await main(page);
    assert.equal(await field(form, 'Straße und Hausnummer').inputValue(), 'Berliner Straße 70', 'Straße is stored');
    assert.equal(await field(form, 'PLZ').inputValue(), '33330', 'PLZ is stored');
    assert.equal(await field(form, 'Stadt').inputValue(), 'Gütersloh', 'Stadt is stored');
    assert.equal(await selectedLabel(field(form, 'Land')), 'Deutschland', 'Land is stored');
    assert.equal(await field(form, 'Telefon').inputValue(), '', 'Telefon stays empty');
  });
});

test('Kennwort: a new password ends the other sessions; the question alone can be changed', { timeout: 180_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('kennwort');
  const newPassword = 'Wolkenkratzer Gartenschlauch Pinguin';
  await withPage(browser, 'profile-password', async (page, a11y, { newPage }) => {
    await setUpCitizen(page, a11y, server, citizen);
    const other = await secondBrowser(newPage, a11y, server, citizen);

    await openLoginData(page, a11y);
    await openTab(page, a11y, 'Kennwort', '/login-daten/kennwort');
    let form = await main(page);
    await field(form, 'Aktuelles Kennwort').fill(citizen.password);
    await field(form, 'Neues Kennwort').fill(newPassword);
    await field(form, 'Eingabe wiederholen').fill(newPassword);
    await submitWith(page, 'Speichern');
    await expectPath(page, '/login-daten/kennwort');
    await expectStatus(page, 'Ihr Kennwort wurde geändert.');
    await checkAccessibility(page, a11y, 'Kennwort changed');
    citizen.password = newPassword;

    await expectLoggedOut(other, server, 'the second browser after the password change');
    await page.goto(`${server.url}/postkorb`);
    await expectPath(page, '/postkorb'); // this browser stays logged in

    // Only the question, with an own question.
    await page.goto(`${server.url}/login-daten/kennwort`);
    form = await main(page);
    await field(form, 'Frage').selectOption({ label: 'Eine eigene Frage festlegen.' });
    await field(form, 'Eigene Frage').fill('Wie hieß mein erstes Fahrrad?');
    await field(form, 'Antwort').fill('Blitz');
    await field(form, 'Aktuelles Kennwort').fill(citizen.password);
    await submitWith(page, 'Speichern');
    await expectPath(page, '/login-daten/kennwort');
    await expectStatus(page, 'Ihre Frage zur Kennworterinnerung wurde geändert.');
    await checkAccessibility(page, a11y, 'Kennwort: question changed');
    assert.match(
      (await page.locator('main').innerText()).replace(/\s+/g, ' '),
      /Ihre aktuelle Frage: Wie hieß mein erstes Fahrrad\?/,
      'the page shows the new question',
    );

    // The password from before the question change still works.
    await logOut(page, a11y, citizen);
    await logInToMailbox(page, a11y, server, citizen);
  });
});

test('Sitzungen: the list shows both browsers; "Alle anderen Sitzungen beenden" logs the other out', { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('sitzungen');
  await withPage(browser, 'profile-sessions', async (page, a11y, { newPage }) => {
    await setUpCitizen(page, a11y, server, citizen);
    const other = await secondBrowser(newPage, a11y, server, citizen);

    await openLoginData(page, a11y);
    await openTab(page, a11y, 'Sitzungen', '/login-daten/sitzungen');
    const rows = page.getByRole('table', { name: 'Aktive Sitzungen' }).locator('tbody').getByRole('row');
    assert.equal(await rows.count(), 2, 'two sessions are listed');
    assert.equal(await rows.filter({ hasText: '(diese Sitzung)' }).count(), 1, 'exactly one row is marked "(diese Sitzung)"');

    await submitWith(page, 'Alle anderen Sitzungen beenden');
    await expectPath(page, '/login-daten/sitzungen');
    await expectStatus(page, 'Alle anderen Sitzungen wurden beendet.');
    await checkAccessibility(page, a11y, 'Sitzungen after ending the others');
    assert.equal(await rows.count(), 1, 'one session is left');
    assert.equal(await rows.filter({ hasText: '(diese Sitzung)' }).count(), 1, 'the one left is this one');

    await expectLoggedOut(other, server, 'the second browser after "Alle anderen Sitzungen beenden"');
    await page.goto(`${server.url}/postkorb`);
    await expectPath(page, '/postkorb'); // this browser stays logged in
  });
});

test('Meine Daten: the data export is JSON with e-mail and address; the account can be deleted', { timeout: 180_000 }, async () => {
  const { server, browser } = env;
  const citizen = newCitizen('meinedaten');
  await withPage(browser, 'profile-own-data', async (page, a11y) => {
    await setUpCitizen(page, a11y, server, citizen);

    // An address, so the export has one.
    await openLoginData(page, a11y);
    await openTab(page, a11y, 'Adresse', '/login-daten/adresse');
    let form = await main(page);
    await field(form, 'Straße und Hausnummer').fill('Berliner Straße 70');
    await field(form, 'PLZ').fill('33330');
    await field(form, 'Stadt').fill('Gütersloh');
    await submitWith(page, 'Speichern');
    await expectStatus(page, 'Ihre Adresse wurde gespeichert.');

    // Download
    await openTab(page, a11y, 'Meine Daten', '/login-daten/meine-daten');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Daten herunterladen', exact: true }).click(),
    ]);
    assert.equal(await download.failure(), null, 'the download completed');
    assert.match(download.suggestedFilename(), /\.json$/, `a .json file (got ${download.suggestedFilename()})`);
    const raw = fs.readFileSync(await download.path(), 'utf8');
    let data;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      assert.fail(`the download is not JSON (${e.message}): ${raw.slice(0, 200)}`);
    }
    assert.equal(data.format, 'buergerportal-datenauskunft/1', 'export format');
    assert.equal(data.konto?.email, citizen.email, 'the export has the e-mail address');
    assert.equal(data.konto?.nachname, citizen.lastName, 'the export has the name');
    assert.equal(data.adresse?.strasse, 'Berliner Straße 70', 'the export has the street');
    assert.equal(data.adresse?.plz, '33330', 'the export has the PLZ');
    assert.equal(data.adresse?.stadt, 'Gütersloh', 'the export has the city');
    assert.ok(!raw.includes(citizen.password), 'the export does not contain the password');
    assert.ok(!raw.includes('$argon2'), 'the export does not contain password hashes');
    await expectPath(page, '/login-daten/meine-daten'); // the download did not navigate away

    // Delete: without the checkbox it is refused.
    form = await main(page);
    await field(form, 'Aktuelles Kennwort').fill(citizen.password);
    await submitWith(page, 'Konto löschen');
    const summary = await errorSummaryText(page);
    assert.match(summary, /endgültig löschen/, `the error summary asks for the confirmation (got "${summary}")`);
    form = await main(page);
    const confirm = form.getByRole('checkbox', { name: 'Ich möchte mein Bürgerkonto endgültig löschen.' });
    await expectFieldError(confirm, 'Ich möchte mein Bürgerkonto endgültig löschen.', /endgültig löschen/);
    await checkAccessibility(page, a11y, 'Meine Daten with errors');
    assert.doesNotMatch(
      summary,
      /Kennwort/,
      'the current password was filled in, so the summary should only ask for the checkbox',
    );

    // With password and checkbox: deleted.
    await field(form, 'Aktuelles Kennwort').fill(citizen.password);
    await confirm.check();
    await submitWith(page, 'Konto löschen');
    try {
      await page.getByRole('heading', { name: 'Ihr Konto wurde gelöscht', level: 1 }).waitFor({ timeout: 5000 });
    } catch {
      throw new Error(`after "Konto löschen" with password and checkbox, no page "Ihr Konto wurde gelöscht" (${page.url()})\n${await pageSummary(page)}`);
    }
    await checkAccessibility(page, a11y, 'account deleted');
    await waitForMailWithSubject(server.dataDir, citizen.email, 'Ihr Bürgerkonto wurde gelöscht');

    await expectLoggedOut(page, server, 'after deleting the account');
    await logIn(page, a11y, server, citizen.email, citizen.password);
    await expectPath(page, '/anmelden');
    try {
      await page.getByRole('alert').filter({ hasText: LOGIN_FAILED }).waitFor({ timeout: 5000 });
    } catch {
      throw new Error(`login of the deleted account: expected "${LOGIN_FAILED}"\n${await pageSummary(page)}`);
    }
  });
});
