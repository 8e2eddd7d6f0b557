// Browser tests for the public catalogue, on the demo data of `serve --demo`:
// a visitor without an account finds "Hundesteuer" by typing it wrong, opens
// the service, and follows it to the responsible unit in the
// Verwaltungsgliederung; the A–Z letter bar and the Onlinedienste work by
// keyboard and link alone. Every page visited is checked with axe-core.
//
// Run:  node --test e2e/          (or scripts/e2e.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccessibility, expectPath, field, follow, main, submitWith, useServerAndBrowser, withPage } from './helpers.mjs';

const env = useServerAndBrowser('catalogue', { demo: true });

async function search(page, a11y, query) {
  await field(await main(page), 'Suche').fill(query);
  await submitWith(page, 'Suchen');
  await expectPath(page, '/dienste/suche');
  await checkAccessibility(page, a11y, `search "${query}"`);
  return (await main(page)).locator('.portal-service-list a');
}

test('a visitor finds Hundesteuer despite a typo and reaches the responsible unit', async () => {
  await withPage(env.browser, 'catalogue-search', async (page, a11y) => {
    await page.goto(`${env.server.url}/`);
    await follow(page, page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Alle Dienste A–Z' }));
    await expectPath(page, '/dienste/a-z');
    await checkAccessibility(page, a11y, 'A–Z');

    const results = await search(page, a11y, 'hundesteur');
    assert.ok((await results.count()) > 0, 'results for "hundesteur"');
    assert.equal(await results.first().getAttribute('href'), '/dienste/hundesteuer');
    await follow(page, results.first());
    await expectPath(page, '/dienste/hundesteuer');
    await checkAccessibility(page, a11y, 'service page');
    const crumbs = await page.getByRole('navigation', { name: 'Sie sind hier' }).innerText();
    assert.match(crumbs, /Home\s*»\s*Alle Dienste A–Z\s*»\s*Hund/);

    const responsible = (await main(page)).locator('dt:has-text("Zuständig") + dd a');
    const unitName = (await responsible.innerText()).trim();
    await follow(page, responsible);
    assert.match(new URL(page.url()).pathname, /^\/verwaltung\/[a-z0-9-]+$/);
    await checkAccessibility(page, a11y, 'unit page');
    assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).startsWith(unitName.replace(/\s*\(.*$/, '')), true);
    assert.ok(await (await main(page)).getByRole('link', { name: /Hund/ }).count() > 0, 'the unit lists the service');

    await follow(page, page.getByRole('navigation', { name: 'Sie sind hier' }).getByRole('link', { name: 'Verwaltungsgliederung' }));
    await expectPath(page, '/verwaltung');
    await checkAccessibility(page, a11y, 'Verwaltungsgliederung');
    assert.ok(await (await main(page)).getByRole('link', { name: unitName.replace(/\s*\(.*$/, '') }).count() > 0, 'the unit is in the tree');
  });
});

test('colloquial words and an honest empty result', async () => {
  await withPage(env.browser, 'catalogue-words', async (page, a11y) => {
    await page.goto(`${env.server.url}/dienste/a-z`);
    let results = await search(page, a11y, 'Perso');
    assert.equal(await results.first().getAttribute('href'), '/dienste/personalausweis');
    results = await search(page, a11y, 'Hundemarke');
    assert.equal(await results.first().getAttribute('href'), '/dienste/hundesteuer');
    results = await search(page, a11y, 'xyzzy');
    assert.equal(await results.count(), 0);
    assert.match(await (await main(page)).innerText(), /Keine Treffer/);
    assert.ok(await (await main(page)).getByRole('link', { name: 'Alle Dienste A–Z' }).count() > 0);
  });
});

test('the letter bar links only letters that have services', async () => {
  await withPage(env.browser, 'catalogue-letters', async (page, a11y) => {
    await page.goto(`${env.server.url}/dienste/a-z`);
    const bar = page.getByRole('navigation', { name: 'Buchstaben A bis Z' });
    const links = await bar.getByRole('link').allInnerTexts();
    assert.ok(links.length > 5 && links.includes('P') && links.includes('H'), `letters: ${links}`);
    assert.ok(!links.includes('Q') || links.length === 26, 'letters without services are not links');
    await bar.getByRole('link', { name: 'P', exact: true }).click();
    await page.waitForURL((u) => u.hash === '#buchstabe-P');
    await checkAccessibility(page, a11y, 'A–Z at P');

    await page.goto(`${env.server.url}/dienste`);
    await checkAccessibility(page, a11y, 'Onlinedienste');
    const headings = await (await main(page)).getByRole('heading', { level: 2 }).allInnerTexts();
    assert.ok(headings.includes('Umzug'), `Lebenslagen: ${headings}`);
  });
});
