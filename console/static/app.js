// Cumulus console: a thin client of the Admin API (through the same-origin
// proxy at /console/api/admin/, which adds the credentials), the Upload API
// (parameters signed by /console/api/sign) and delivery URLs (signed when
// needed by /console/api/urls). No secret ever reaches this script.
'use strict';

const S = { session: null };
const main = () => document.getElementById('main');

// h builds an element: h('a', {href: '#'}, 'text', child). Text is always
// set as text, never parsed as HTML, so user strings cannot inject markup.
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function say(msg) {
  const st = document.getElementById('status');
  st.textContent = msg;
  clearTimeout(say.t);
  say.t = setTimeout(() => { st.textContent = ''; }, 4000);
}

class APIError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

// api calls a console endpoint; a 401 sends the user to the login page.
async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    opts.headers['Content-Type'] = 'application/json';
    if (S.session) opts.headers['X-CSRF-Token'] = S.session.csrf;
    if (body !== undefined) opts.body = JSON.stringify(body);
  }
  const res = await fetch('/console/api/' + path, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const msg = (data && data.error && data.error.message) || ('HTTP ' + res.status);
    if (res.status === 401 && path !== 'login') { S.session = null; go('#/login'); }
    throw new APIError(res.status, msg);
  }
  return data;
}

// admin calls the Admin API through the console proxy: GET parameters go
// in the query string, others as JSON.
function admin(method, path, params) {
  if (method === 'GET' && params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
    const qs = q.toString();
    return api('GET', 'admin/' + path + (qs ? '?' + qs : ''));
  }
  return api(method, 'admin/' + path, params);
}

const encPath = (id) => id.split('/').map(encodeURIComponent).join('/');
const WEB = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'svg', 'bmp', 'ico']);
const thumbFormat = (a) => (WEB.has((a.format || '').toLowerCase()) ? a.format : 'jpg');

// urlsFor asks the server for delivery paths (signed where needed).
async function urlsFor(items) {
  if (!items.length) return [];
  const r = await api('POST', 'urls', { items });
  return r.urls;
}

function fmtBytes(n) {
  if (n == null) return '';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/library';
  const [path, qs] = raw.split('?');
  return { page: path.replace(/^\//, '').split('/')[0] || 'library', q: new URLSearchParams(qs || '') };
}

function link(page, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== '' && v !== null) q.set(k, v);
  const qs = q.toString();
  return '#/' + page + (qs ? '?' + qs : '');
}

function setPage(title, ...content) {
  document.title = title + ' · Cumulus console';
  const m = main();
  m.replaceChildren(h('h1', {}, title), ...content);
  m.focus({ preventScroll: true });
}

function errorBox(e) { return h('p', { class: 'error', role: 'alert' }, e.message || String(e)); }

async function route() {
  const { page, q } = parseHash();
  if (!S.session && page !== 'login') {
    try { S.session = await api('GET', 'session'); } catch (e) { S.session = null; }
    if (!S.session) { go('#/login'); return; }
  }
  const top = document.getElementById('top');
  top.hidden = !S.session;
  if (S.session) document.getElementById('cloud-name').textContent = S.session.cloud;
  for (const a of document.querySelectorAll('.top nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const pages = { login: loginPage, library: libraryPage, upload: uploadPage, asset: assetPage, builder: builderPage, errors: errorsPage, settings: settingsPage, usage: usagePage };
  const fn = pages[page] || libraryPage;
  try { await fn(q); } catch (e) { if (!(e instanceof APIError && e.status === 401)) setPage('Something went wrong', errorBox(e)); }
}

// ---- login ----
function loginPage() {
  document.getElementById('top').hidden = true;
  const err = h('p', { class: 'error', role: 'alert' });
  const mode = h('select', { id: 'mode', onchange: () => { keyBox.hidden = mode.value !== 'key'; pwBox.hidden = mode.value === 'key'; } },
    h('option', { value: 'key' }, 'API key and secret'), h('option', { value: 'password' }, 'Console password'));
  const keyBox = h('div', {},
    h('label', { for: 'api_key' }, 'API key'), h('input', { type: 'text', id: 'api_key', name: 'api_key', autocomplete: 'username' }),
    h('label', { for: 'api_secret' }, 'API secret'), h('input', { type: 'password', id: 'api_secret', name: 'api_secret', autocomplete: 'current-password' }));
  const pwBox = h('div', { hidden: true },
    h('label', { for: 'password' }, 'Console password'), h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password' }));
  const form = h('form', { class: 'card login', onsubmit: async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = { cloud: form.cloud.value.trim() };
    if (mode.value === 'key') { body.api_key = form.api_key.value.trim(); body.api_secret = form.api_secret.value; } else body.password = form.password.value;
    try {
      S.session = await api('POST', 'login', body);
      go('#/library');
    } catch (e) { err.textContent = e.message; }
  } },
  h('h1', {}, 'Log in to Cumulus'),
  h('label', { for: 'cloud' }, 'Cloud name'), h('input', { type: 'text', id: 'cloud', name: 'cloud', required: true, autocomplete: 'organization' }),
  h('label', { for: 'mode' }, 'Log in with'), mode, keyBox, pwBox, err,
  h('p', {}, h('button', { type: 'submit' }, 'Log in')));
  main().replaceChildren(form);
  document.title = 'Log in · Cumulus console';
  form.cloud.focus();
}

// ---- library ----
async function libraryPage(q) {
  const folder = q.get('folder') || '';
  const expr = q.get('q') || '';
  const tag = q.get('tag') || '';
  const cursor = q.get('cursor') || '';
  const prev = q.get('prev') || '';

  const search = h('input', { type: 'search', id: 'search', name: 'q', value: expr, placeholder: 'e.g. tags=sale AND format=jpg' });
  const tagSel = h('select', { id: 'tag', name: 'tag' }, h('option', { value: '' }, 'All tags'));
  const toolbar = h('form', { class: 'toolbar', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    go(link('library', { folder, q: search.value.trim(), tag: tagSel.value }));
  } },
  h('div', {}, h('label', { for: 'search' }, 'Search expression'), search),
  h('div', {}, h('label', { for: 'tag' }, 'Tag'), tagSel),
  h('button', { type: 'submit' }, 'Search'));

  const crumbs = h('ol', { class: 'crumbs', 'aria-label': 'Folder' }, h('li', {}, h('a', { href: link('library', {}) }, 'Home')));
  let acc = '';
  for (const part of folder ? folder.split('/') : []) {
    acc = acc ? acc + '/' + part : part;
    crumbs.append(h('li', {}, h('a', { href: link('library', { folder: acc }) }, part)));
  }
  const folderList = h('ul', { class: 'folders', 'aria-label': 'Sub-folders' });
  const grid = h('ul', { class: 'grid', id: 'grid', 'aria-label': 'Assets' });
  const info = h('p', { class: 'muted', id: 'count' }, 'Loading…');
  const pager = h('div', { class: 'pager' });
  setPage(folder ? 'Library: ' + folder : 'Media library', toolbar, crumbs, folderList, info, grid, pager);

  admin('GET', 'tags/image', { max_results: 500 }).then((r) => {
    for (const t of r.tags || []) tagSel.append(h('option', { value: t, selected: t === tag }, t));
  }).catch(() => {});
  admin('GET', 'folders' + (folder ? '/' + encPath(folder) : ''), { max_results: 500 }).then((r) => {
    for (const f of r.folders || []) folderList.append(h('li', {}, h('a', { href: link('library', { folder: f.path }) }, f.name + '/')));
  }).catch(() => {});

  // Without a query the page browses one folder; with one it searches all.
  const terms = [];
  if (expr) terms.push('(' + expr + ')');
  if (tag) terms.push('tags=' + JSON.stringify(tag));
  if (!expr && !tag) terms.push('folder=' + JSON.stringify(folder));
  let res;
  try {
    res = await admin('POST', 'resources/search', { expression: terms.join(' AND '), max_results: 24, next_cursor: cursor || undefined, sort_by: [{ created_at: 'desc' }], with_field: ['tags'] });
  } catch (e) { info.replaceWith(errorBox(e)); return; }
  const list = res.resources || [];
  info.textContent = res.total_count === 0 ? 'No assets here.' : res.total_count + ' asset' + (res.total_count === 1 ? '' : 's');
  const images = list.filter((a) => a.resource_type === 'image');
  const urls = await urlsFor(images.map((a) => ({ public_id: a.public_id, resource_type: 'image', type: a.type, version: a.version, format: thumbFormat(a), transformation: 'c_fill,w_200,h_200' })));
  const byId = new Map(images.map((a, i) => [a.asset_id, urls[i]]));
  for (const a of list) {
    const u = byId.get(a.asset_id);
    const pic = u && u.url ? h('img', { src: u.url, alt: '', loading: 'lazy', width: 200, height: 200 }) : h('span', { class: 'ph', 'aria-hidden': 'true' }, a.format || a.resource_type);
    grid.append(h('li', {}, h('a', { href: link('asset', { rt: a.resource_type, type: a.type, id: a.public_id }), 'data-public-id': a.public_id },
      pic, h('span', { class: 'cap' }, a.public_id))));
  }
  grid.dataset.expression = terms.join(' AND ');
  grid.dataset.loaded = 'true';
  if (cursor) pager.append(h('a', { class: 'button secondary', href: link('library', { folder, q: expr, tag, cursor: prev.split(',').pop() || '', prev: prev.split(',').slice(0, -1).join(',') }) }, 'Previous page'));
  if (res.next_cursor) pager.append(h('a', { class: 'button', href: link('library', { folder, q: expr, tag, cursor: res.next_cursor, prev: cursor ? (prev ? prev + ',' : '') + cursor : (prev ? prev + ',' : '') }) }, 'Next page'));
}

// ---- upload ----
function uploadPage(q) {
  const folder = h('input', { type: 'text', id: 'up-folder', value: q.get('folder') || '', placeholder: 'e.g. shop/shoes' });
  const tags = h('input', { type: 'text', id: 'up-tags', placeholder: 'comma-separated, e.g. sale,summer' });
  const input = h('input', { type: 'file', id: 'files', multiple: true, class: 'sr', onchange: () => { start(input.files); input.value = ''; } });
  const list = h('ul', { class: 'files', id: 'upload-list', 'aria-label': 'Uploads' });
  const drop = h('div', { class: 'drop', id: 'drop' },
    h('p', {}, 'Drop files here, or'),
    h('label', { for: 'files', class: 'button', tabindex: 0, onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } } }, 'Choose files…'), input);
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => { ev.preventDefault(); drop.classList.remove('over'); start(ev.dataTransfer.files); });
  setPage('Upload', h('div', { class: 'row' }, h('div', {}, h('label', { for: 'up-folder' }, 'Folder'), folder), h('div', {}, h('label', { for: 'up-tags' }, 'Tags'), tags)),
    h('p', {}), drop, h('h2', {}, 'Files'), list);

  async function start(files) {
    files = Array.from(files || []);
    if (!files.length) return;
    const params = { use_filename: 'true', unique_filename: 'false', overwrite: 'true' };
    if (folder.value.trim()) params.folder = folder.value.trim();
    if (tags.value.trim()) params.tags = tags.value.split(',').map((t) => t.trim()).filter(Boolean).join(',');
    let signed;
    try { signed = await api('POST', 'sign', { params }); } catch (e) { say(e.message); return; }
    const rows = files.map((f) => {
      const bar = h('progress', { max: 100, value: 0, 'aria-label': 'Progress of ' + f.name });
      const st = h('span', { class: 'st' }, 'waiting');
      const li = h('li', { 'data-file': f.name }, h('span', { class: 'name' }, f.name, ' ', h('span', { class: 'muted' }, fmtBytes(f.size))), bar, st);
      list.append(li);
      return { f, bar, st, li };
    });
    // Three at a time: enough to fill the pipe, few enough to show order.
    let next = 0;
    const worker = async () => { while (next < rows.length) await send(rows[next++], signed); };
    await Promise.all([worker(), worker(), worker()]);
    say('Uploads finished');
  }

  function send(row, signed) {
    return new Promise((resolve) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(signed.params)) fd.append(k, v);
      fd.append('file', row.f, row.f.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', signed.upload_url);
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable) { row.bar.value = Math.round(100 * ev.loaded / ev.total); row.st.textContent = row.bar.value + '%'; }
      };
      xhr.onload = () => {
        let r = {};
        try { r = JSON.parse(xhr.responseText); } catch (e) { r = {}; }
        if (xhr.status === 200) {
          row.bar.value = 100;
          row.li.dataset.done = 'ok';
          row.st.replaceChildren(h('a', { class: 'ok', href: link('asset', { rt: r.resource_type, type: r.type, id: r.public_id }) }, 'done'));
        } else {
          row.li.dataset.done = 'error';
          row.st.replaceChildren(h('span', { class: 'bad' }, (r.error && r.error.message) || ('HTTP ' + xhr.status)));
        }
        resolve();
      };
      xhr.onerror = () => { row.li.dataset.done = 'error'; row.st.replaceChildren(h('span', { class: 'bad' }, 'network error')); resolve(); };
      row.st.textContent = '0%';
      xhr.send(fd);
    });
  }
}

// ---- asset ----
async function assetPage(q) {
  const rt = q.get('rt') || 'image', type = q.get('type') || 'upload', id = q.get('id') || '';
  const path = 'resources/' + rt + '/' + type + '/' + encPath(id);
  const d = await admin('GET', path, { versions: 'true' });
  const isImage = rt === 'image';
  const items = [{ public_id: id, resource_type: rt, type, version: d.version, format: rt === 'raw' ? '' : d.format }];
  if (isImage) items.push({ public_id: id, resource_type: rt, type, version: d.version, format: thumbFormat(d), transformation: 'c_limit,w_800,h_800' });
  const vs = d.versions || [];
  if (isImage) for (const v of vs) items.push({ public_id: id, resource_type: rt, type, version: v.version, format: thumbFormat(v), transformation: 'c_fill,w_160,h_160' });
  const urls = await urlsFor(items);
  const deliveryURL = urls[0].url ? location.origin + urls[0].url : '';
  const preview = isImage ? h('img', { class: 'preview', id: 'preview', src: urls[1].url, alt: 'Preview of ' + id }) : h('p', { class: 'muted' }, 'No preview for ' + rt + ' assets.');

  const copyInput = h('input', { type: 'text', id: 'delivery-url', readonly: true, value: deliveryURL, 'aria-label': 'Delivery URL' });
  const copyBtn = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    try { await navigator.clipboard.writeText(copyInput.value); } catch (e) { copyInput.select(); document.execCommand('copy'); }
    say('URL copied');
  } }, 'Copy');

  const ctx = (d.context && d.context.custom) || {};
  const meta = h('table', {}, h('tbody', {},
    [['Public ID', d.public_id], ['Asset ID', d.asset_id], ['Type', rt + ' / ' + type], ['Format', d.format], ['Dimensions', d.width ? d.width + ' × ' + d.height : ''],
      ['Size', fmtBytes(d.bytes)], ['Version', d.version], ['Created', d.created_at], ['Updated', d.last_updated && d.last_updated.updated_at],
      ['Original filename', d.original_filename], ['ETag', d.etag],
      ...Object.entries(d.metadata || {}).map(([k, v]) => ['Metadata: ' + k, v])]
      .map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v === undefined ? '' : String(v))))));

  const tagsInput = h('input', { type: 'text', id: 'tags-input', value: (d.tags || []).join(', ') });
  const ctxInput = h('textarea', { id: 'context-input', rows: 3 }, Object.entries(ctx).map(([k, v]) => k + '=' + v).join('\n'));
  const esc = (s) => s.replace(/([=|\\])/g, '\\$1');
  const editForm = h('form', { onsubmit: async (ev) => {
    ev.preventDefault();
    const tags = tagsInput.value.split(',').map((t) => t.trim()).filter(Boolean);
    const context = ctxInput.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => { const i = l.indexOf('='); return i < 0 ? esc(l) + '=' : esc(l.slice(0, i).trim()) + '=' + esc(l.slice(i + 1).trim()); }).join('|');
    try {
      const r = await admin('POST', path, { tags: tags.join(','), context });
      tagsInput.value = (r.tags || []).join(', ');
      say('Saved');
      document.getElementById('tags-saved').textContent = 'Saved: ' + ((r.tags || []).join(', ') || 'no tags');
    } catch (e) { say(e.message); }
  } },
  h('label', { for: 'tags-input' }, 'Tags (comma-separated)'), tagsInput,
  h('label', { for: 'context-input' }, 'Context (one key=value per line)'), ctxInput,
  h('p', {}, h('button', { type: 'submit', id: 'save-tags' }, 'Save'), ' ', h('span', { id: 'tags-saved', class: 'muted', role: 'status' })));

  const versions = h('ul', { class: 'versions', id: 'versions' });
  vs.slice().reverse().forEach((v, ri) => {
    const i = vs.length - 1 - ri;
    const current = v.version_id === d.version_id || (ri === 0 && !d.version_id);
    const u = isImage ? urls[2 + i] : null;
    versions.append(h('li', { 'data-version': v.version },
      u && u.url ? h('img', { src: u.url, alt: 'Version ' + v.version, width: 80, height: 80 }) : h('span', {}),
      h('span', {}, 'v' + v.version, ' · ', v.format || '', ' · ', fmtBytes(v.size), h('br'), h('span', { class: 'muted' }, v.time), current ? h('strong', {}, ' (current)') : ''),
      current ? h('span') : h('button', { type: 'button', class: 'secondary', 'aria-label': 'Restore version ' + v.version, onclick: async () => {
        try {
          const r = await admin('POST', 'resources/' + rt + '/' + type + '/restore', { public_ids: [id], versions: [v.version_id] });
          const e = r[id] && r[id].error;
          if (e) throw new Error(typeof e === 'string' ? e : e.message);
          say('Version restored');
          route();
        } catch (e) { say(e.message); }
      } }, 'Restore')));
  });

  const derived = d.derived && d.derived.length
    ? h('ul', {}, d.derived.map((x) => h('li', {}, x.transformation || x.id || JSON.stringify(x), x.bytes ? ' · ' + fmtBytes(x.bytes) : '')))
    : h('p', { class: 'muted' }, 'No derivatives recorded.');

  setPage(id,
    h('p', {}, h('a', { href: link('library', { folder: d.folder || '' }) }, '← Back to ' + (d.folder || 'library')), ' · ',
      isImage ? h('a', { href: link('builder', { rt, type, id }) }, 'Open in the transformation builder') : ''),
    h('div', { class: 'asset' },
      h('section', { 'aria-label': 'Preview' }, preview, h('h2', {}, 'Delivery URL'), h('div', { class: 'copy' }, copyInput, copyBtn)),
      h('section', { 'aria-label': 'Details' }, h('h2', {}, 'Details'), meta, h('h2', {}, 'Tags and context'), editForm)),
    h('h2', {}, 'Versions'), versions,
    h('h2', {}, 'Derivatives'), derived);
}

// ---- transformation builder ----
async function builderPage(q) {
  const rt = q.get('rt') || 'image', type = q.get('type') || 'upload';
  const idInput = h('input', { type: 'text', id: 'b-id', value: q.get('id') || '', placeholder: 'public ID, e.g. shop/shoe' });
  const num = (id, label) => [h('label', { for: id }, label), h('input', { type: 'number', id, min: 1, max: 10000, inputmode: 'numeric' })];
  const sel = (id, label, opts) => [h('label', { for: id }, label), h('select', { id }, opts.map(([v, t]) => h('option', { value: v }, t)))];
  const effects = [['grayscale', 'Grayscale'], ['sepia', 'Sepia'], ['blur:300', 'Blur'], ['sharpen', 'Sharpen'], ['negate', 'Negate'], ['pixelate', 'Pixelate']];
  const form = h('form', { id: 'builder', onsubmit: (ev) => { ev.preventDefault(); update(); } },
    h('label', { for: 'b-id' }, 'Public ID'), idInput,
    h('fieldset', {}, h('legend', {}, 'Size'), num('b-w', 'Width'), num('b-h', 'Height'),
      sel('b-crop', 'Crop', [['', 'none'], ['fill', 'fill'], ['fit', 'fit'], ['limit', 'limit'], ['scale', 'scale'], ['thumb', 'thumb'], ['crop', 'crop'], ['pad', 'pad'], ['lfill', 'lfill'], ['mfit', 'mfit']]),
      sel('b-g', 'Gravity', [['', 'default'], ['auto', 'auto'], ['center', 'center'], ['face', 'face'], ['north', 'north'], ['south', 'south'], ['east', 'east'], ['west', 'west'], ['north_east', 'north east'], ['north_west', 'north west'], ['south_east', 'south east'], ['south_west', 'south west']])),
    h('fieldset', {}, h('legend', {}, 'Output'),
      sel('b-f', 'Format', [['', 'original'], ['jpg', 'jpg'], ['png', 'png'], ['webp', 'webp'], ['avif', 'avif'], ['gif', 'gif'], ['auto', 'auto (f_auto)']]),
      sel('b-q', 'Quality', [['', 'default'], ['auto', 'auto'], ['auto:good', 'auto:good'], ['auto:eco', 'auto:eco'], ['90', '90'], ['75', '75'], ['50', '50']])),
    h('fieldset', {}, h('legend', {}, 'Effects'), effects.map(([v, t]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'effect', value: v }), t))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'b-sign' }), 'Sign the URL (always signed when the asset or settings require it)'),
    h('p', {}, h('button', { type: 'submit' }, 'Update preview')));
  const img = h('img', { class: 'preview', id: 'b-preview', alt: 'Transformation preview' });
  const dims = h('p', { id: 'b-dims', class: 'muted', role: 'status' });
  const tr = h('input', { type: 'text', id: 'b-transformation', readonly: true, 'aria-label': 'Transformation' });
  const urlOut = h('input', { type: 'text', id: 'b-url', readonly: true, 'aria-label': 'URL' });
  const copy = h('button', { type: 'button', class: 'secondary', onclick: async () => { try { await navigator.clipboard.writeText(urlOut.value); } catch (e) { urlOut.select(); document.execCommand('copy'); } say('URL copied'); } }, 'Copy');
  setPage('Transformation builder', h('div', { class: 'builder' }, form,
    h('section', { 'aria-label': 'Result' }, h('h2', {}, 'Transformation'), tr, h('h2', {}, 'URL'), h('div', { class: 'copy' }, urlOut, copy), h('h2', {}, 'Preview'), dims, img)));

  let fmt = '';
  async function update() {
    const id = idInput.value.trim();
    if (!id) { dims.textContent = 'Enter a public ID.'; return; }
    const v = (x) => document.getElementById(x).value;
    const first = [];
    if (v('b-crop')) first.push('c_' + v('b-crop'));
    if (v('b-g')) first.push('g_' + v('b-g'));
    if (v('b-h')) first.push('h_' + v('b-h'));
    if (v('b-q')) first.push('q_' + v('b-q'));
    if (v('b-w')) first.push('w_' + v('b-w'));
    if (v('b-f') === 'auto') first.push('f_auto');
    const comps = [];
    if (first.length) comps.push(first.join(','));
    for (const e of form.querySelectorAll('input[name=effect]:checked')) comps.push('e_' + e.value);
    const t = comps.join('/');
    tr.value = t;
    if (!fmt) {
      try { const d = await admin('GET', 'resources/' + rt + '/' + type + '/' + encPath(id)); fmt = d.format; } catch (e) { dims.textContent = e.message; return; }
    }
    const f = v('b-f') && v('b-f') !== 'auto' ? v('b-f') : (v('b-f') === 'auto' ? '' : thumbFormat({ format: fmt }));
    const [u] = await urlsFor([{ public_id: id, resource_type: rt, type, format: f, transformation: t, sign: document.getElementById('b-sign').checked }]);
    if (u.error) { dims.textContent = u.error; return; }
    urlOut.value = location.origin + u.url;
    dims.textContent = 'Loading…';
    img.onload = () => {
      img.dataset.transformation = t;
      dims.textContent = 'Preview: ' + img.naturalWidth + ' × ' + img.naturalHeight + (u.signed ? ' (signed URL)' : '');
    };
    img.onerror = () => { dims.textContent = 'The server refused this transformation (see Error reports).'; };
    img.src = u.url;
  }
  let timer;
  form.addEventListener('input', (ev) => { if (ev.target === idInput) fmt = ''; clearTimeout(timer); timer = setTimeout(update, 400); });
  form.addEventListener('change', () => { clearTimeout(timer); timer = setTimeout(update, 100); });
  if (idInput.value) update();
}

// ---- error reports ----
async function errorsPage() {
  const body = h('tbody', { id: 'error-rows' });
  const table = h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'URL'), h('th', { scope: 'col' }, 'Message'))), body);
  const refresh = h('button', { type: 'button', class: 'secondary', onclick: () => route() }, 'Refresh');
  setPage('Error reports', h('p', { class: 'muted' }, 'Recent delivery requests that failed, newest first.'), h('p', {}, refresh), table);
  let r;
  try { r = await admin('GET', 'error_reports'); } catch (e) {
    table.replaceWith(e.status === 404 ? h('p', { class: 'muted' }, 'This server does not record error reports.') : errorBox(e));
    return;
  }
  const list = r.error_reports || [];
  if (!list.length) body.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No errors recorded.')));
  for (const e of list) body.append(h('tr', {}, h('td', {}, e.time), h('td', {}, e.status), h('td', {}, e.url), h('td', {}, e.message)));
}

// ---- settings ----
const SETTING_LABELS = {
  strict_transformations: ['Strict transformations', 'Render new derivatives only from signed URLs or named transformations allowed for strict use.'],
  open_lists: ['Open client-side lists', 'Serve /<cloud>/image/list/<tag>.json without a signature.'],
  cnames: ['Allowed hosts (CNAMEs)', 'Extra host names that deliver this environment, comma-separated.'],
  allowed_hosts: ['Allowed hosts', 'Comma-separated host names.'],
  restricted_types: ['Restricted delivery types', 'Delivery types refused without a signature, comma-separated (e.g. upload,fetch).'],
  restricted_delivery_types: ['Restricted delivery types', 'Delivery types refused without a signature, comma-separated (e.g. upload,fetch).'],
  max_age: ['Cache period', 'Cache-Control max-age of URLs without a version, e.g. 720h.'],
  cache_max_age: ['Cache period', 'Cache-Control max-age of URLs without a version, e.g. 720h.'],
  rate_limit: ['Admin API rate limit', 'Requests per hour.'],
  admin_rate_limit: ['Admin API rate limit', 'Requests per hour.'],
};

async function settingsPage() {
  const r = await api('GET', 'settings');
  const fields = r.settings || [];
  const inputs = [];
  const form = h('form', { id: 'settings', class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    const changes = {};
    for (const { f, el } of inputs) {
      if (f.kind === 'bool') changes[f.name] = el.checked;
      else if (f.kind === 'int' || f.kind === 'number') changes[f.name] = el.value === '' ? 0 : Number(el.value);
      else if (f.kind === 'json') { try { changes[f.name] = JSON.parse(el.value || 'null'); } catch (e) { say('Invalid JSON in ' + f.name); return; } } else changes[f.name] = el.value;
    }
    try { await api('PUT', 'settings', changes); say('Settings saved'); document.getElementById('settings-saved').textContent = 'Saved.'; } catch (e) { say(e.message); document.getElementById('settings-saved').textContent = e.message; }
  } });
  for (const f of fields) {
    const [label, help] = SETTING_LABELS[f.name] || [f.name.replace(/_/g, ' '), ''];
    const id = 's-' + f.name;
    let el;
    if (f.kind === 'bool') {
      el = h('input', { type: 'checkbox', id, checked: f.value });
      form.append(h('p', {}, h('label', { class: 'check', for: id }, el, label), help ? h('span', { class: 'muted' }, help) : ''));
    } else {
      if (f.kind === 'int' || f.kind === 'number') el = h('input', { type: 'number', id, value: f.value });
      else if (f.kind === 'list') el = h('input', { type: 'text', id, value: (f.value || []).join(', ') });
      else if (f.kind === 'json') el = h('textarea', { id, rows: 3 }, JSON.stringify(f.value));
      else el = h('input', { type: 'text', id, value: f.value });
      form.append(h('label', { for: id }, label), el, help ? h('p', { class: 'muted' }, help) : '');
    }
    inputs.push({ f, el });
  }
  form.append(h('p', {}, h('button', { type: 'submit' }, 'Save settings'), ' ', h('span', { id: 'settings-saved', role: 'status' })));
  setPage('Settings', form);
}

// ---- usage ----
async function usagePage() {
  const u = await admin('GET', 'usage');
  const stat = (label, value, id) => h('li', { id }, h('span', { class: 'num' }, value), label);
  setPage('Usage', h('ul', { class: 'stats' },
    stat('assets', u.resources, 'u-assets'),
    stat('stored versions', (u.objects || {}).usage, 'u-versions'),
    stat('stored bytes', fmtBytes((u.storage || {}).usage), 'u-bytes'),
    stat('derivatives', u.derived_resources, 'u-derived'),
    stat('requests', u.requests, 'u-requests'),
    stat('bandwidth', fmtBytes((u.bandwidth || {}).usage), 'u-bandwidth')),
  h('p', { class: 'muted' }, 'Plan: ', u.plan || '', ' · updated ', u.last_updated || ''));
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', 'logout'); } catch (e) { /* already out */ }
    S.session = null;
    go('#/login');
  });
  window.addEventListener('hashchange', route);
  route();
});
