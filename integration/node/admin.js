// Scenario: every Admin API call Cumulus serves, through the official Node
// SDK (cloudinary.v2.api), including unsigned uploads through a preset and
// the rate-limit fields. argv[2] is an image file. Prints one JSON object
// of the results for admin_test's Go side to check.
const cloudinary = require('cloudinary').v2;

async function main() {
  const file = process.argv[2];
  const api = cloudinary.api;
  const out = {};
  const up1 = await cloudinary.uploader.upload(file, { public_id: 'node/a b', tags: ['red', 'sale'], context: 'alt=x\\=y' });
  const up2 = await cloudinary.uploader.upload(file, { public_id: 'node/a b' });
  await cloudinary.uploader.upload(file, { public_id: 'other', tags: ['blue'] });
  out.versions = [up1.version_id, up2.version_id];

  out.ping = await api.ping();
  out.usage = await api.usage();
  out.types = await api.resource_types();
  out.list = await api.resources({ type: 'upload', max_results: 1, tags: true });
  out.list2 = await api.resources({ type: 'upload', max_results: 1, next_cursor: out.list.next_cursor });
  out.prefix = await api.resources({ type: 'upload', prefix: 'node/' });
  out.byIds = await api.resources_by_ids(['node/a b', 'other']);
  out.byTag = await api.resources_by_tag('blue');
  out.byContext = await api.resources_by_context('alt', 'x=y');
  out.byAssetIds = await api.resources_by_asset_ids([up1.asset_id]);
  out.details = await api.resource('node/a b', { versions: true });
  out.byAssetId = await api.resource_by_asset_id(up1.asset_id);
  out.update = await api.update('other', { tags: ['blue', 'new'], context: { caption: 'c|d' } });
  out.tags = await api.tags();
  out.search = await cloudinary.search.expression('tags=red OR tags=new').sort_by('public_id', 'asc').with_field('context').aggregate('format').max_results(10).execute();
  out.createFolder = await api.create_folder('node/empty');
  out.root = await api.root_folders();
  out.sub = await api.sub_folders('node');
  out.deleteFolder = await api.delete_folder('node/empty');
  out.createT = await api.create_transformation('small', { width: 50, crop: 'scale' });
  out.getT = await api.transformation('small');
  out.updateT = await api.update_transformation('small', { allowed_for_strict: false });
  out.listT = await api.transformations();
  out.deleteT = await api.delete_transformation('small');
  out.createP = await api.create_upload_preset({ name: 'web', unsigned: true, folder: 'web', tags: 'w1,w2' });
  out.getP = await api.upload_preset('web');
  out.listP = await api.upload_presets();
  out.unsigned = await cloudinary.uploader.unsigned_upload(file, 'web', { public_id: 'u1' });
  out.updateP = await api.update_upload_preset('web', { unsigned: false });
  try { await cloudinary.uploader.unsigned_upload(file, 'web'); } catch (e) { out.unsignedRefused = e.error || e; }
  out.deleteP = await api.delete_upload_preset('web');
  out.restore = await api.restore(['node/a b'], { versions: [up1.version_id] });
  out.deleteDerived = await api.delete_derived_resources(['abc']);
  out.deleteByTx = await api.delete_derived_by_transformation(['other'], [{ width: 10 }]);
  out.deleteIds = await api.delete_resources(['other', 'missing']);
  out.deletePrefix = await api.delete_resources_by_prefix('web/');
  out.deleteTag = await api.delete_resources_by_tag('red');
  await cloudinary.uploader.upload(file, { public_id: 'last' });
  out.deleteAll = await api.delete_all_resources();
  try { await api.resource('gone'); } catch (e) { out.missing = e.error || e; }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(JSON.stringify(e)); process.exit(1); });
