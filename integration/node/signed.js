// Scenario: signed delivery URLs built by the official Node SDK for an
// authenticated asset (SHA-1 and SHA-256 short signatures, the long
// SHA-256 one) and a signed client-side tag list. Prints one JSON line with
// the URLs; the Go test requests them.
const cloudinary = require('cloudinary').v2;

async function main() {
  const host = process.env.CUMULUS_HOST;
  await cloudinary.uploader.upload(process.argv[2], { public_id: 'node/contract', type: 'authenticated', tags: ['nodelist'] });
  await cloudinary.uploader.upload(process.argv[2], { public_id: 'node/listed', tags: ['nodelist'] });
  const base = { secure: false, cname: host, type: 'authenticated', sign_url: true, format: 'png', transformation: [{ width: 50, crop: 'scale' }] };
  const urls = {
    sha1: cloudinary.url('node/contract', base),
    sha256: cloudinary.url('node/contract', { ...base, signature_algorithm: 'sha256' }),
    long: cloudinary.url('node/contract', { ...base, long_url_signature: true }),
    list: cloudinary.url('nodelist', { secure: false, cname: host, type: 'list', format: 'json', sign_url: true }),
    unsigned: cloudinary.url('node/contract', { ...base, sign_url: false }),
  };
  console.log(JSON.stringify(urls));
}

main().catch((e) => { console.error(e); process.exit(1); });
