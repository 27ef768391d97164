// Scenario: upload_large of a 3 MB file in 1 MB chunks with the official
// Node SDK. Node sends a Content-Range total of -1 until the last chunk.
// CLOUDINARY_URL must carry upload_prefix=http://... before the require
// (the SDK picks http or https at require time). Prints one JSON line.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const cloudinary = require('cloudinary').v2;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-node-'));
  const file = path.join(dir, 'big.bin');
  const data = crypto.randomBytes(3 * 1024 * 1024 + 12345);
  fs.writeFileSync(file, data);
  const sha = crypto.createHash('sha256').update(data).digest('hex');

  const big = await new Promise((resolve, reject) =>
    cloudinary.uploader.upload_large(file, { chunk_size: 1024 * 1024, public_id: 'node/big.bin', resource_type: 'raw' },
      (err, res) => (err ? reject(err) : resolve(res))));

  const img = await cloudinary.uploader.upload(process.argv[2], { public_id: 'node/photo', tags: ['n1', 'n2'], context: 'alt=a\\=b|caption=hi' });
  const url = cloudinary.url('node/photo', { secure: false, cname: process.env.CUMULUS_HOST, format: 'jpg' });
  const tagged = await cloudinary.uploader.add_tag('extra', ['node/photo']);
  await cloudinary.uploader.upload(process.argv[2], { public_id: 'node/tmp' });
  const destroyed = await cloudinary.uploader.destroy('node/tmp');
  let wrong = null;
  cloudinary.config({ api_secret: 'not-the-secret' });
  try { await cloudinary.uploader.upload(process.argv[2], { public_id: 'x' }); } catch (e) { wrong = e; }

  fs.rmSync(dir, { recursive: true });
  console.log(JSON.stringify({ big, sha, img, url, tagged, destroyed, wrong: wrong && { http_code: wrong.http_code, message: wrong.message } }));
}

main().catch((e) => { console.error(e); process.exit(1); });
