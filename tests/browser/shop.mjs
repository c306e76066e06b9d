// The shop in a real browser: headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core walks a customer's journey through the shop —
// home, log in, search (type-ahead, then the results page), a product sold
// by weight, add some kilograms, the cart, checkout with the first free
// pickup slot, the order's confirmation, the history, the order, cancel it,
// an order the staff made ready for pickup in Odoo —
// and at every page:
//   - saves a full-page screenshot at desktop (1280x900) and phone (390x844)
//     width: OUT_DIR/NN-step-desktop.png, OUT_DIR/NN-step-phone.png;
//   - runs axe-core at both widths and fails on any violation whose impact
//     is serious or critical (the others are listed, not fatal);
//   - fails on a console error, an uncaught exception, a failed request or an
//     HTTP error status from the shop;
// then walks the customer's main pages again in a browser that enforces the
// pages' content security policy (the journey bypasses it to inject
// axe-core), and fails on any violation.
//
// Usage: node shop.mjs SHOP_URL LOGIN PASSWORD OUT_DIR [SEARCH [STOCK_PATHS]]
//   SEARCH: what to type in the search box (default "comte"); its results
//   must hold a product sold by the kg.
//   STOCK_PATHS: comma-separated product pages that must say how many are
//   left ("only 2 left", or out of stock: ordered anyway).
// Exits 0 when the whole journey passed, 1 with a message otherwise, 2 on bad
// usage. Run by storefront/tests/browser.rs.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// As root on a machine without outside network: no sandbox, no GPU, and none
// of Chromium's own connections to Google's hosts.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const FATAL_IMPACTS = new Set(['serious', 'critical']);
const TIMEOUT_MS = 15000;

const [base, login, password, outDir, searchText = 'comte', stockPaths = '', members = '', adminToken = '', secondShop = ''] = process.argv.slice(2);
if (!base || !login || !password || !outDir) {
  console.error('usage: node shop.mjs SHOP_URL LOGIN PASSWORD OUT_DIR [SEARCH]');
  process.exit(2);
}
const origin = new URL(base).origin;
const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** A failure of the journey, with what to tell. */
class JourneyError extends Error {}
function fail(message) {
  throw new JourneyError(message);
}

const started = Date.now();
function log(message) {
  const secs = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${secs}s] ${message}`);
}

fs.mkdirSync(outDir, { recursive: true });
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-chromium-'));

// Problems seen by the page's listeners, reported at the next checkpoint.
const problems = [];
const axeSummary = []; // { step, violations: [{ id, impact, count }] }
let stepNumber = 0;

let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
    // The shop's pages say `script-src 'self'`: let axe-core be injected.
    bypassCSP: true,
    locale: 'en-US',
    timeout: 60000,
  });
} catch (e) {
  console.error(`browser test FAILED: Chromium (${CHROMIUM}) did not start: ${e.message}`);
  fs.rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}
context.setDefaultTimeout(TIMEOUT_MS);
context.setDefaultNavigationTimeout(TIMEOUT_MS);
const page = context.pages()[0] ?? (await context.newPage());

page.on('console', (msg) => {
  if (msg.type() === 'error') {
    problems.push(`console error on ${page.url()}: ${msg.text()}`);
  }
});
page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
page.on('requestfailed', (request) => {
  if (!request.url().startsWith(origin)) return;
  const why = request.failure()?.errorText ?? 'failed';
  // The type-ahead aborts its previous question as one types: by design.
  if (why.includes('ERR_ABORTED') && ['fetch', 'xhr'].includes(request.resourceType())) return;
  problems.push(`request failed: ${request.method()} ${request.url()}: ${why}`);
});
page.on('response', (response) => {
  if (response.url().startsWith(origin) && response.status() >= 400) {
    problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
  }
});

/** Fails on the problems the listeners saw so far. */
function noProblems(where) {
  if (problems.length) {
    fail(`${where}:\n  ${problems.splice(0).join('\n  ')}`);
  }
}

/** Waits until the page is loaded and its fonts and images settled. */
async function settle() {
  await page.waitForLoadState('load');
  await page.evaluate(async () => {
    if (document.fonts && document.fonts.ready) await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/** axe-core on the page as it is now: its violations. */
async function axe() {
  const injected = await page.evaluate(() => typeof window.axe === 'object');
  if (!injected) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return { passes: results.passes.length, violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    })) };
  });
}

/** One page of the journey: screenshots and axe at both widths, no problem. */
async function checkpoint(step) {
  stepNumber += 1;
  const name = `${String(stepNumber).padStart(2, '0')}-${step}`;
  await settle();
  const found = new Map(); // id+target -> violation
  let passed = 0;
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await settle();
    await page.screenshot({ path: path.join(outDir, `${name}-${label}.png`), fullPage: true });
    const results = await axe();
    passed = Math.max(passed, results.passes);
    for (const v of results.violations) {
      for (const node of v.nodes) {
        const key = `${v.id} ${node.target}`;
        if (!found.has(key)) found.set(key, { ...v, node, widths: [label] });
        else found.get(key).widths.push(label);
      }
    }
  }
  await page.setViewportSize(DESKTOP);
  const byRule = new Map();
  for (const v of found.values()) {
    const entry = byRule.get(v.id) ?? { id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: [] };
    entry.nodes.push(`${v.node.target} (${v.widths.join(', ')})${v.node.summary ? `\n          ${v.node.summary.replace(/\n/g, '\n          ')}` : ''}`);
    byRule.set(v.id, entry);
  }
  const rules = [...byRule.values()];
  axeSummary.push({ step: name, url: page.url(), rulesPassed: passed, violations: rules.map((r) => ({ id: r.id, impact: r.impact, count: r.nodes.length })) });
  const fatal = rules.filter((r) => FATAL_IMPACTS.has(r.impact));
  const other = rules.filter((r) => !FATAL_IMPACTS.has(r.impact));
  log(`${name}: ${page.url().replace(origin, '')} — screenshots saved; axe: ${passed} rules passed, ${fatal.length} serious/critical and ${other.length} other rules violated`);
  for (const r of other) {
    log(`    (${r.impact}) ${r.id}: ${r.help} — ${r.nodes.length} node(s): ${r.nodes.map((n) => n.split('\n')[0]).join('; ')}`);
  }
  if (fatal.length) {
    const text = fatal
      .map((r) => `  ${r.id} (${r.impact}): ${r.help}\n    ${r.helpUrl}\n${r.nodes.map((n) => `      - ${n}`).join('\n')}`)
      .join('\n');
    fail(`axe-core: serious or critical accessibility violations on ${name} (${page.url()}):\n${text}`);
  }
  noProblems(name);
}

/** Clicks and waits for the navigation it starts to load. */
async function clickAndLoad(locator, what) {
  if ((await locator.count()) === 0) fail(`${what}: not found on ${page.url()}`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.first().click()]);
}

/** The path of the page. */
function currentPath() {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

async function journey() {
  // Home, as a visitor.
  const home = await page.goto(base, { waitUntil: 'load' });
  if (!home || !home.ok()) fail(`the home page answered ${home && home.status()}`);
  await checkpoint('home');

  // The login page, from the home page's link.
  await clickAndLoad(page.locator('main a[href="/login"], header a[href="/login"]'), 'the link to the login page');
  if (new URL(page.url()).pathname !== '/login') fail(`the login link led to ${page.url()}`);
  await checkpoint('login');

  // Log in.
  await page.fill('#login', login);
  await page.fill('#password', password);
  await clickAndLoad(page.locator('main form[action="/login"] button[type="submit"]'), 'the login button');
  if ((await page.locator('#search-q').count()) === 0) {
    const error = await page.locator('#login-error, .flash-error').allInnerTexts();
    fail(`logging in as ${login} failed (now on ${page.url()}): ${error.join(' ') || 'no search box'}`);
  }
  await checkpoint('home-customer');

  // Search: type, see the type-ahead, then submit the search form.
  const box = page.locator('#search-q');
  await box.click();
  await box.pressSequentially(searchText, { delay: 60 });
  try {
    await page.locator('#search-q-listbox [role="option"]').first().waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    fail(`the type-ahead showed no suggestion for "${searchText}"`);
  }
  if ((await box.getAttribute('aria-expanded')) !== 'true') fail('the type-ahead list is shown but aria-expanded is not "true"');
  await checkpoint('search-typeahead');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), box.press('Enter')]);
  if (new URL(page.url()).pathname !== '/search') fail(`Enter in the search box led to ${page.url()}, not /search`);
  const cards = page.locator('main .card');
  const cardCount = await cards.count();
  if (cardCount === 0) fail(`searching "${searchText}" found nothing`);
  await checkpoint('search');

  // A product sold by the kg among the results.
  let weighed = null;
  for (let i = 0; i < cardCount; i += 1) {
    const unit = (await cards.nth(i).locator('.per-unit').first().innerText()).replace(/\u00a0/g, ' ');
    if (/\bkg\b/i.test(unit)) {
      weighed = cards.nth(i);
      break;
    }
  }
  if (!weighed) fail(`no product sold by the kg among the ${cardCount} results for "${searchText}"`);
  const productName = (await weighed.locator('.card-title').innerText()).trim();
  await clickAndLoad(weighed.locator('.card-title a'), `the link to ${productName}`);
  if (!new URL(page.url()).pathname.startsWith('/products/')) fail(`${productName}'s link led to ${page.url()}`);
  await checkpoint('product');

  // Add half a kilogram.
  const addForm = page.locator('main form.product-add, main form.variant-form').first();
  if ((await addForm.count()) === 0) fail(`${productName}: no add-to-cart form`);
  const quantity = addForm.locator('input[name="quantity"]');
  const step = await quantity.getAttribute('step');
  if (!step || Number(step) >= 1) fail(`${productName}: the quantity input's step is ${step}: not a decimal quantity`);
  await quantity.fill('0.5');
  await clickAndLoad(addForm.locator('button[type="submit"]'), 'the add-to-cart button');
  const inCart = await page.locator('main .in-cart').allInnerTexts();
  if (!inCart.length) fail(`after adding 0.5 kg of ${productName}, the product page does not say it is in the cart`);
  log(`    added 0.5 kg of ${productName}: "${inCart[0]}"`);
  const badge = (await page.locator('[data-cart-count]').first().innerText()).trim();
  if (badge === '0' || badge === '') fail(`the cart count in the header is "${badge}" after adding`);
  await checkpoint('product-added');

  // The cart.
  await clickAndLoad(page.locator('header a[href="/cart"]'), 'the cart link');
  const lines = page.locator('main tr[id^="line-"]');
  if ((await lines.count()) !== 1) fail(`the cart has ${await lines.count()} lines, expected 1`);
  await checkpoint('cart');

  // Over the minimum order if need be: a bigger quantity, updated in place.
  let kilos = 0.5;
  while ((await page.locator('#below-minimum').count()) > 0) {
    if (kilos >= 32) fail(`${kilos} kg of ${productName} are still below the minimum order`);
    kilos *= 2;
    const input = lines.first().locator('input[name="quantity"]');
    await input.fill(String(kilos));
    await lines.first().locator('form.qty-form button[type="submit"]').click();
    await page.waitForFunction(
      (value) => {
        const field = document.querySelector('main tr[id^="line-"] input[name="quantity"]');
        return field && Number(field.value) === value && !document.querySelector('main form[aria-busy="true"]');
      },
      kilos,
      { timeout: TIMEOUT_MS },
    );
    log(`    below the minimum order: now ${kilos} kg`);
    if ((await page.locator('#below-minimum').count()) === 0) await checkpoint('cart-updated');
  }

  // Checkout: the first pickup slot still open.
  await clickAndLoad(page.locator('main .checkout a[href="/checkout"]'), 'the checkout button');
  if (new URL(page.url()).pathname !== '/checkout') fail(`the checkout button led to ${page.url()}`);
  const slot = page.locator('main input[type="radio"][name="slot_id"]:not([disabled])').first();
  if ((await slot.count()) === 0) fail('the checkout page offers no pickup slot');
  // The radio buttons are drawn by their labels: click the label, as a person would.
  const label = page.locator(`label[for="${await slot.getAttribute('id')}"]`);
  const slotLabel = (await label.innerText()).trim();
  await label.click();
  if (!(await slot.isChecked())) fail(`clicking the slot "${slotLabel}" did not choose it`);
  await page.fill('#checkout-note', 'Browser test: please ignore.');
  await checkpoint('checkout');
  await clickAndLoad(page.locator('main form.checkout-form button[type="submit"]'), 'the order button');

  // The confirmation: the order, in Odoo.
  const orderPath = new URL(page.url()).pathname;
  if (!/^\/orders\/[^/]+$/.test(orderPath)) {
    const error = await page.locator('.flash-error').allInnerTexts();
    fail(`ordering led to ${page.url()}, not an order's page${error.length ? `: ${error.join(' ')}` : ''}`);
  }
  const title = (await page.locator('main h1').innerText()).trim();
  const state = await page.locator('main .order-facts .state').getAttribute('class');
  if (/state-(pending|failed|sent_unreadable)/.test(state)) fail(`the order is not in Odoo (${state}): "${title}"`);
  log(`    ordered for ${slotLabel}: "${title}" (${state})`);
  await checkpoint('order-confirmation');

  // The history lists it, under Odoo's name.
  await clickAndLoad(page.locator('header a[href="/orders"]'), 'the orders link');
  const link = page.locator(`main a[href="${orderPath}"]`);
  if ((await link.count()) === 0) fail(`the order history does not list ${orderPath}`);
  const orderName = (await link.first().innerText()).trim();
  if (!orderName || !title.includes(orderName)) {
    fail(`the history names the order "${orderName}", the confirmation said "${title}"`);
  }
  log(`    the history lists ${orderName}`);
  await checkpoint('orders');

  // Open it and cancel it.
  await clickAndLoad(link, `the link to ${orderName}`);
  if (new URL(page.url()).pathname !== orderPath) fail(`the history's link led to ${page.url()}`);
  await checkpoint('order');
  await clickAndLoad(page.locator(`main form[action="${orderPath}/cancel"] button[type="submit"]`), 'the cancel button');
  if (new URL(page.url()).pathname !== orderPath) fail(`cancelling led to ${page.url()}`);
  if ((await page.locator('main .order-facts :is(.state-cancel, .state-cancelled)').count()) === 0) {
    const now = await page.locator('main .order-facts .state').innerText();
    fail(`after cancelling, ${orderName} is "${now}", not cancelled`);
  }
  if ((await page.locator(`main form[action="${orderPath}/cancel"]`).count()) > 0) fail('a cancelled order still offers to cancel it');
  log(`    ${orderName} cancelled: "${await page.locator('main .order-facts .state').innerText()}"`);
  await checkpoint('order-cancelled');

  // And the history says so too.
  await clickAndLoad(page.locator('header a[href="/orders"]'), 'the orders link');
  const row = page.locator('main tr', { has: page.locator(`a[href="${orderPath}"]`) });
  if ((await row.locator(':is(.state-cancel, .state-cancelled)').count()) === 0) fail(`the history does not show ${orderName} cancelled`);
  noProblems('the history after cancelling');

  // The orders the staff moved on in Odoo: confirmed, ready for pickup
  // (its delivery validated), collected; the history shows each, and the
  // ready one's page says so.
  for (const progress of ['confirmed', 'ready', 'collected']) {
    if ((await page.locator(`main tr .state-${progress}`).count()) === 0) fail(`the history shows no ${progress} order`);
  }
  const ready = page.locator('main tr', { has: page.locator('.state-ready') }).first().locator('a[href^="/orders/"]').first();
  const readyName = (await ready.innerText()).trim();
  await clickAndLoad(ready, `the link to ${readyName}`);
  const readyText = (await page.locator('main .order-facts .state-ready').innerText()).trim();
  if (!readyText) fail(`${readyName}'s page does not say it is ready for pickup`);
  if ((await page.locator('main form[action$="/cancel"]').count()) > 0) fail('an order ready for pickup offers to cancel it');
  log(`    ${readyName}: "${readyText}"`);
  await checkpoint('order-ready');

  // How many are left, said and never refused.
  for (const stockPath of stockPaths.split(',').filter(Boolean)) {
    const answer = await page.goto(new URL(stockPath, base).href, { waitUntil: 'load' });
    if (!answer || answer.status() !== 200) fail(`${stockPath} answered ${answer && answer.status()}`);
    const said = page.locator('main :is(.stock-left, .stock-out)').first();
    if ((await said.count()) === 0) fail(`${stockPath} does not say how many are left`);
    const text = (await said.innerText()).trim();
    if ((await page.locator('main form button[type="submit"]').count()) === 0) fail(`${stockPath} offers no way to order`);
    log(`    ${stockPath}: "${text}"`);
    await checkpoint(`stock${stockPath.replaceAll('/', '-')}`);
  }

  if (members) await sharedCase();
  if (secondShop) await otherShop();
}

// The same process's second shop, at its own host name: its own name,
// customers and products; the first shop's customer is not logged in there.
async function otherShop() {
  const [shopBase, who, secret, ownText, foreignText] = secondShop.split('|');
  await page.goto(shopBase, { waitUntil: 'load' });
  if ((await page.locator('#search-q').count()) > 0) fail(`${shopBase}: already logged in with the first shop's session`);
  await checkpoint('second-shop-home');
  await page.goto(new URL('/login', shopBase).href, { waitUntil: 'load' });
  await page.fill('#login', who);
  await page.fill('#password', secret);
  await clickAndLoad(page.locator('main form[action="/login"] button[type="submit"]'), 'the login button');
  if ((await page.locator('#search-q').count()) === 0) fail(`logging in as ${who} at ${shopBase} failed`);
  await page.goto(new URL(`/search?q=${encodeURIComponent(ownText)}`, shopBase).href, { waitUntil: 'load' });
  const own = await page.locator('main .card').count();
  if (own === 0) fail(`${shopBase}: searching "${ownText}" finds none of its products`);
  await checkpoint('second-shop-search');
  await page.goto(new URL(`/search?q=${encodeURIComponent(foreignText)}`, shopBase).href, { waitUntil: 'load' });
  const foreign = await page.locator('main .card').count();
  if (foreign !== 0) fail(`${shopBase}: searching "${foreignText}" finds ${foreign} of the first shop's products`);
  log(`    ${shopBase}: ${own} products for "${ownText}", none of the first shop's for "${foreignText}"`);
}

// Logs in as `who` (after logging out whoever was), through the form.
async function logInAs(who, secret) {
  await context.clearCookies();
  await page.goto(new URL('/login', base).href, { waitUntil: 'load' });
  await page.fill('#login', who);
  await page.fill('#password', secret);
  await clickAndLoad(page.locator('main form[action="/login"] button[type="submit"]'), 'the login button');
  if ((await page.locator('#search-q').count()) === 0) fail(`logging in as ${who} failed`);
}

// Three members share a case of 6 (2 + 3 + 1) through the product page's
// form; the staff close the round; each finds their share ordered, in an
// order of its own.
async function sharedCase() {
  const shares = [2, 3, 1];
  const people = members.split(',').map((pair) => pair.split(':'));
  if (people.length !== 3) fail(`three members expected, not ${members}`);
  let productPath = null;
  for (const [i, [who, secret]] of people.entries()) {
    await logInAs(who, secret);
    if (!productPath) {
      await page.goto(new URL('/search?q=olive', base).href, { waitUntil: 'load' });
      const card = page.locator('main .card', { has: page.locator('.shared-case') }).first();
      if ((await card.count()) === 0) fail('no product sold by the shared case among the results for "olive"');
      log(`    shared: "${(await card.locator('.shared-case').innerText()).trim()}"`);
      if (i === 0) await checkpoint('shared-card');
      await clickAndLoad(card.locator('.card-title a'), 'the shared product');
      productPath = new URL(page.url()).pathname;
    } else {
      await page.goto(new URL(productPath, base).href, { waitUntil: 'load' });
    }
    const form = page.locator('main form.share-form');
    if ((await form.count()) === 0) fail(`${productPath}: no share form for ${who}`);
    if (i === 0) await checkpoint('shared-product');
    await form.locator('input[name="quantity"]').fill(String(shares[i]));
    await clickAndLoad(form.locator('button[type="submit"]'), 'the share button');
    const value = await page.locator('main progress.share-progress').getAttribute('value');
    const taken = shares.slice(0, i + 1).reduce((a, b) => a + b, 0);
    if (Number(value) !== taken) fail(`after ${who}'s share of ${shares[i]}, the case shows ${value} taken, not ${taken}`);
    log(`    ${who} takes ${shares[i]}: "${(await page.locator('main .share-progress-text').innerText()).trim()}"`);
    if (i === 2) await checkpoint('shared-full');
  }
  // The cut-off, as the staff close the round early.
  const closed = await fetch(new URL('/admin/cases/close', base).href, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}` },
  });
  if (!closed.ok) fail(`closing the round answered ${closed.status}`);
  for (const [who, secret] of people) {
    await logInAs(who, secret);
    let ordered = 0;
    for (let tries = 0; tries < 100 && ordered === 0; tries += 1) {
      await page.goto(new URL('/orders', base).href, { waitUntil: 'load' });
      ordered = await page.locator('main .share-ordered a[href^="/orders/"]').count();
      if (ordered === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (ordered === 0) fail(`${who}'s share is not ordered after the round closed`);
    if (who === people[0][0]) await checkpoint('shared-ordered');
    await clickAndLoad(page.locator('main .share-ordered a[href^="/orders/"]').first(), 'the share\'s order');
    const lines = await page.locator('main').innerText();
    if (!/olive/i.test(lines)) fail(`${who}'s order of shares does not list the olive oil`);
    log(`    ${who}: ${(await page.locator('main h1').innerText()).trim()}`);
  }
}

/**
 * The journey bypasses the pages' content security policy (to inject
 * axe-core). Here a browser enforces it, as a customer's does: a visitor's
 * pages, logging in, the type-ahead, a product added to the cart, the cart;
 * no violation the page reports (`securitypolicyviolation`), no console
 * error, no failed request.
 */
async function policyHolds() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const enforced = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    // Evaluated by the browser itself, before the page's scripts: not
    // subject to the policy, and not one of the page's own.
    await enforced.addInitScript(() => {
      window.__refused = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__refused.push(`${e.violatedDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile || ''}:${e.lineNumber || ''})`);
      });
    });
    const tab = await enforced.newPage();
    tab.setDefaultTimeout(TIMEOUT_MS);
    const seen = [];
    tab.on('console', (msg) => {
      if (msg.type() === 'error') seen.push(`console error on ${tab.url()}: ${msg.text()}`);
    });
    tab.on('pageerror', (error) => seen.push(`uncaught exception on ${tab.url()}: ${error.message}`));
    tab.on('requestfailed', (request) => {
      const why = request.failure()?.errorText ?? 'failed';
      // Going to the next page aborts what the last one still loaded (its
      // favicon, say), and the type-ahead its previous question: not the
      // policy's doing (it blocks with ERR_BLOCKED_BY_CSP).
      if (why.includes('ERR_ABORTED')) return;
      seen.push(`request failed: ${request.method()} ${request.url()}: ${why}`);
    });
    const check = async (what) => {
      await tab.waitForLoadState('load');
      const refused = await tab.evaluate(() => window.__refused.splice(0));
      for (const r of refused) seen.push(`${what} (${tab.url()}): the content security policy ${r}`);
      if (seen.length) fail(`with the content security policy enforced, ${what}:\n  ${seen.join('\n  ')}`);
      log(`    policy enforced: ${what} (${tab.url().replace(origin, '')}): no violation`);
    };
    const go = async (where, what) => {
      const answer = await tab.goto(new URL(where, base).href, { waitUntil: 'load' });
      if (!answer || !answer.ok()) fail(`with the policy enforced, ${where} answered ${answer && answer.status()}`);
      await check(what);
    };
    await go('/', 'the home page');
    await go('/login', 'the login page');
    await tab.fill('#login', login);
    await tab.fill('#password', password);
    await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), tab.locator('main form[action="/login"] button[type="submit"]').first().click()]);
    await check('logged in');
    const box = tab.locator('#search-q');
    await box.click();
    await box.pressSequentially(searchText, { delay: 60 });
    await tab.locator('#search-q-listbox [role="option"]').first().waitFor({ state: 'visible', timeout: 5000 });
    await check('the type-ahead');
    await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), box.press('Enter')]);
    await check('the search results');
    await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), tab.locator('main .card .card-title a').first().click()]);
    await check('a product');
    const add = tab.locator('main form.product-add, main form.variant-form').first();
    if ((await add.count()) > 0) {
      await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), add.locator('button[type="submit"]').click()]);
      await check('the product added to the cart');
    }
    await go('/cart', 'the cart');
  } finally {
    await browser.close().catch(() => {});
  }
}

let status = 0;
try {
  await journey();
  await policyHolds();
  log(`browser test PASSED: ${stepNumber} pages, screenshots in ${outDir}`);
} catch (e) {
  status = 1;
  try {
    await page.screenshot({ path: path.join(outDir, 'failure-desktop.png'), fullPage: true });
  } catch {
    // The page may be gone.
  }
  const message = e instanceof JourneyError ? e.message : `${e.stack || e}`;
  const more = problems.length ? `\n  also seen:\n  ${problems.join('\n  ')}` : '';
  console.error(`browser test FAILED at ${currentPath()}: ${message}${more}\n  (screenshot: ${path.join(outDir, 'failure-desktop.png')})`);
}
fs.writeFileSync(path.join(outDir, 'axe-summary.json'), `${JSON.stringify(axeSummary, null, 2)}\n`);
await context.close().catch(() => {});
fs.rmSync(userDataDir, { recursive: true, force: true });
process.exit(status);
