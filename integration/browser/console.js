// The console scenario, driven in Debian's Chromium by playwright-core.
// Run by integration/browser_test.go, which starts the server and passes:
//   CUMULUS_URL, CUMULUS_CLOUD, CUMULUS_KEY, CUMULUS_SECRET,
//   FILE_A, FILE_B   two images to upload (names a.png and b.png)
//   FILE_A2          another image also named a.png (a second version of a)
//   SHOTS            folder for one screenshot per page
// It prints one JSON object: what it saw, for the Go test to check.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const base = process.env.CUMULUS_URL;
const shots = process.env.SHOTS;
const out = { steps: [] };
const step = (name, data) => { out.steps.push(Object.assign({ name }, data || {})); };

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const shot = (name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
  const gotoHash = async (hash) => { await page.evaluate((h) => { location.hash = h; }, hash); };

  // Log in with the keyboard only.
  await page.goto(base + '/console/');
  await page.waitForSelector('form.login');
  await shot('01-login');
  await page.keyboard.type(process.env.CUMULUS_CLOUD); // the cloud field has focus
  await page.keyboard.press('Tab'); // "log in with"
  await page.keyboard.press('Tab'); // API key
  await page.keyboard.type(process.env.CUMULUS_KEY);
  await page.keyboard.press('Tab');
  await page.keyboard.type(process.env.CUMULUS_SECRET);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#grid[data-loaded]', { state: 'attached' });
  const cookies = await context.cookies();
  const sc = cookies.find((c) => c.name === 'cumulus_console');
  step('login', { httpOnly: sc && sc.httpOnly, sameSite: sc && sc.sameSite, jsSeesCookie: (await page.evaluate(() => document.cookie)).includes('cumulus_console') });
  await shot('02-library-empty');

  // Upload two images through the file input, with progress bars.
  await gotoHash('#/upload');
  await page.waitForSelector('#files', { state: 'attached' });
  await page.fill('#up-folder', 'bt');
  await page.fill('#up-tags', 'browser-test');
  await page.setInputFiles('#files', [process.env.FILE_A, process.env.FILE_B]);
  await page.waitForFunction(() => document.querySelectorAll('#upload-list li[data-done]').length === 2);
  const rows = await page.$$eval('#upload-list li', (lis) => lis.map((li) => ({ file: li.dataset.file, done: li.dataset.done, progress: li.querySelector('progress').value })));
  step('upload', { rows });
  await shot('03-upload');

  // Find them by search, then by tag.
  await gotoHash('#/library');
  await page.waitForSelector('#grid[data-loaded]', { state: 'attached' });
  await page.fill('#search', 'folder:bt/* AND format=png');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForSelector('#grid[data-loaded][data-expression="(folder:bt/* AND format=png)"]', { state: 'attached' });
  const bySearch = await page.$$eval('#grid a', (as) => as.map((a) => a.dataset.publicId).sort());
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#grid img')).every((i) => i.complete && i.naturalWidth > 0));
  const thumbs = await page.$$eval('#grid img', (is) => is.map((i) => [i.naturalWidth, i.naturalHeight]));
  await shot('04-search');
  await page.fill('#search', '');
  await page.selectOption('#tag', 'browser-test');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForSelector('#grid[data-loaded][data-expression="tags=\\"browser-test\\""]', { state: 'attached' });
  const byTag = await page.$$eval('#grid a', (as) => as.map((a) => a.dataset.publicId).sort());
  step('find', { bySearch, byTag, thumbs });
  await shot('05-tag');

  // A phone-sized library.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('06-library-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A second version of bt/a, so there is history to restore.
  await gotoHash('#/upload');
  await page.waitForSelector('#files', { state: 'attached' });
  await page.fill('#up-folder', 'bt');
  await page.setInputFiles('#files', [process.env.FILE_A2]);
  await page.waitForFunction(() => document.querySelectorAll('#upload-list li[data-done]').length === 1);

  // Open it and edit a tag.
  await gotoHash('#/library?q=' + encodeURIComponent('public_id=bt/a'));
  await page.waitForSelector('#grid a[data-public-id="bt/a"]');
  await page.click('#grid a[data-public-id="bt/a"]');
  await page.waitForSelector('#preview');
  await page.waitForFunction(() => document.getElementById('preview').complete && document.getElementById('preview').naturalWidth > 0);
  const before = await page.$eval('#preview', (i) => [i.naturalWidth, i.naturalHeight]);
  const url = await page.$eval('#delivery-url', (i) => i.value);
  await page.fill('#tags-input', 'browser-test, edited');
  await page.click('#save-tags');
  await page.waitForFunction(() => document.getElementById('tags-saved').textContent.includes('edited'));
  step('asset', { previewBefore: before, deliveryURL: url, versions: await page.$$eval('#versions li', (l) => l.length) });
  await shot('07-asset');

  // Restore the first version.
  await page.click('#versions li:last-child button');
  await page.waitForFunction(() => document.querySelectorAll('#versions li').length === 3);
  await page.waitForFunction(() => document.getElementById('preview').complete && document.getElementById('preview').naturalWidth > 0);
  const after = await page.$eval('#preview', (i) => [i.naturalWidth, i.naturalHeight]);
  step('restore', { previewAfter: after, versions: await page.$$eval('#versions li', (l) => l.length) });
  await shot('08-restored');

  // Build a transformation and see the preview at its size.
  await page.click('text=Open in the transformation builder');
  await page.waitForSelector('#builder');
  await page.fill('#b-w', '120');
  await page.fill('#b-h', '80');
  await page.selectOption('#b-crop', 'fill');
  await page.check('input[name=effect][value=grayscale]');
  await page.waitForFunction(() => document.getElementById('b-preview').dataset.transformation === 'c_fill,h_80,w_120/e_grayscale' &&
    /Preview: 120 × 80/.test(document.getElementById('b-dims').textContent));
  step('builder', { dims: await page.textContent('#b-dims'), url: await page.$eval('#b-url', (i) => i.value), transformation: await page.$eval('#b-transformation', (i) => i.value) });
  await shot('09-builder');

  // A bad URL, then the error reports page.
  const bad = await page.evaluate(async (cloud) => (await fetch('/' + cloud + '/image/upload/w_abc/bt/a.png')).status, process.env.CUMULUS_CLOUD);
  await gotoHash('#/errors');
  await page.waitForSelector('#error-rows, main p.muted');
  await page.waitForTimeout(300);
  const errorsText = await page.textContent('main');
  step('errors', { badStatus: bad, available: !errorsText.includes('does not record'), listed: errorsText.includes('w_abc') });
  await shot('10-errors');

  // Change a setting.
  await gotoHash('#/settings');
  await page.waitForSelector('#s-open_lists');
  await page.check('#s-strict_transformations');
  await page.click('#settings button[type=submit]');
  await page.waitForFunction(() => document.getElementById('settings-saved').textContent === 'Saved.');
  await shot('11-settings');
  await page.reload();
  await page.waitForSelector('#s-strict_transformations');
  step('settings', { fields: await page.$$eval('#settings input, #settings textarea', (is) => is.map((i) => i.id)),
    persisted: await page.isChecked('#s-strict_transformations') });

  await gotoHash('#/usage');
  await page.waitForSelector('#u-assets');
  step('usage', { assets: await page.textContent('#u-assets .num') });
  await shot('12-usage');

  await page.click('#logout');
  await page.waitForSelector('form.login');
  const afterLogout = await page.evaluate(async () => (await fetch('/console/api/session')).status);
  step('logout', { sessionStatus: afterLogout });
  out.pageErrors = consoleErrors;
  await browser.close();
}

main().then(() => { console.log(JSON.stringify(out)); }, (e) => {
  out.error = String(e && e.stack || e);
  console.log(JSON.stringify(out));
  process.exit(1);
});
