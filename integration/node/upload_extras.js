// Scenario: Upload API extras through the official Node SDK. The script
// runs its own origin on 127.0.0.1 (the server must allow it with
// CUMULUS_FETCH_ALLOW): it serves argv[2] as /img/photo.png for a remote
// upload and receives the webhooks, which it verifies with the SDK's own
// verifyNotificationSignature. Prints one JSON object of the results.
const fs = require('fs');
const http = require('http');
const cloudinary = require('cloudinary').v2;

const hooks = [];
const waiters = [];
const origin = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/img/')) {
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(fs.readFileSync(process.argv[2]));
    return;
  }
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const ts = Number(req.headers['x-cld-timestamp']);
    hooks.push({
      path: req.url,
      type: JSON.parse(body).notification_type,
      verified: cloudinary.utils.verifyNotificationSignature(body, ts, req.headers['x-cld-signature']),
      tampered: cloudinary.utils.verifyNotificationSignature(body + ' ', ts, req.headers['x-cld-signature']),
      body: JSON.parse(body),
    });
    res.end('ok');
    waiters.splice(0).forEach((w) => w());
  });
});

function waitFor(path, ms) {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('no webhook on ' + path)), ms);
    const check = () => {
      const h = hooks.find((x) => x.path === path);
      if (h) { clearTimeout(deadline); resolve(h); } else { waiters.push(check); }
    };
    check();
  });
}

async function main() {
  await new Promise((r) => origin.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${origin.address().port}`;
  const out = {};
  out.upload = await cloudinary.uploader.upload(`${base}/img/photo.png`, {
    public_id: 'node/remote',
    eager: [{ width: 100, height: 100, crop: 'fill' }, { width: 32, format: 'webp' }],
    notification_url: `${base}/hook/upload`,
  });
  out.explicit = await cloudinary.uploader.explicit('node/remote', {
    type: 'upload', eager: [{ width: 20, format: 'jpg' }], eager_async: true,
    eager_notification_url: `${base}/hook/eager`,
  });
  out.added = await cloudinary.uploader.add_context('alt=a cat|n=1', ['node/remote', 'node/none']);
  out.afterAdd = (await cloudinary.api.resource('node/remote')).context;
  out.removed = await cloudinary.uploader.remove_all_context(['node/remote']);
  out.afterRemove = (await cloudinary.api.resource('node/remote')).context || null;
  try {
    await cloudinary.uploader.upload('http://169.254.169.254/latest/meta-data/', { public_id: 'node/ssrf' });
  } catch (e) { out.ssrf = e; }
  try { await cloudinary.uploader.explicit('node/none', { type: 'upload' }); } catch (e) { out.missing = e; }
  out.uploadHook = await waitFor('/hook/upload', 10000);
  out.eagerHook = await waitFor('/hook/eager', 10000);
  origin.close();
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
