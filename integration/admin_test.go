package integration

import (
	"context"
	"fmt"
	"image/color"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin"
	"github.com/cloudinary/cloudinary-go/v2/api/admin/search"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// checkErr fails on a transport error or an API error in a result.
func checkErr(t *testing.T, what string, err error, apiErr api.ErrorResp) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if apiErr.Message != "" {
		t.Fatalf("%s: API error %q", what, apiErr.Message)
	}
}

// rawMap is the SDK's raw decoded response.
func rawMap(r any) map[string]any {
	if m, ok := r.(*map[string]any); ok {
		return *m
	}
	m, _ := r.(map[string]any)
	return m
}

func briefIDs(list []api.BriefAssetResult) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.PublicID)
	}
	sort.Strings(out)
	return out
}

// Every Admin API endpoint through the official Go SDK's admin package.
func TestAdminGoSDK(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	ctx := context.Background()
	ad := cld.Admin
	red, _ := pngFile(t, 8, 6, color.RGBA{255, 0, 0, 255})
	blue, _ := pngFile(t, 20, 10, color.RGBA{0, 0, 255, 255})

	first := mustUpload(t, cld, red, uploader.UploadParams{PublicID: "shop/shoe", Tags: []string{"sale", "red"}, Context: map[string]string{"alt": "A shoe"}})
	time.Sleep(10 * time.Millisecond)
	second := mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "shop/shoe"})
	mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "shop/deep/hat", Tags: []string{"red"}})
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "logo"})

	ping, err := ad.Ping(ctx)
	checkErr(t, "ping", err, ping.Error)
	if ping.Status != "ok" {
		t.Fatalf("ping = %+v", ping)
	}
	usage, err := ad.Usage(ctx, admin.UsageParams{})
	checkErr(t, "usage", err, usage.Error)
	if usage.Resources != 3 || usage.Objects.Usage != 4 || usage.Storage.Usage <= 0 {
		t.Fatalf("usage = %+v, want 3 resources and 4 stored versions", usage)
	}
	types, err := ad.AssetTypes(ctx)
	checkErr(t, "resource types", err, types.Error)
	if !reflect.DeepEqual(types.AssetTypes, []string{"image", "raw", "video"}) {
		t.Fatalf("resource types = %v", types.AssetTypes)
	}

	// Listing: newest first, paged, with tags on request.
	var listed []string
	cursor := ""
	for i := 0; i < 5; i++ {
		res, err := ad.Assets(ctx, admin.AssetsParams{AssetType: api.Image, DeliveryType: "upload", MaxResults: 2, NextCursor: cursor, Tags: api.Bool(true)})
		checkErr(t, "assets", err, res.Error)
		for _, a := range res.Assets {
			listed = append(listed, a.PublicID)
			if a.PublicID == "shop/shoe" && (a.Version != second.Version || a.Width != 20 || strings.Join(a.Tags, ",") != "red,sale" || a.AssetID != first.AssetID) {
				t.Fatalf("listed shoe = %+v", a)
			}
		}
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(listed, " ") != "logo shop/deep/hat shop/shoe" {
		t.Fatalf("listing newest first = %v", listed)
	}
	byPrefix, err := ad.Assets(ctx, admin.AssetsParams{AssetType: api.Image, Prefix: "shop/"})
	checkErr(t, "assets by prefix", err, byPrefix.Error)
	if got := briefIDs(byPrefix.Assets); strings.Join(got, " ") != "shop/deep/hat shop/shoe" {
		t.Fatalf("by prefix = %v", got)
	}
	byIDs, err := ad.AssetsByIDs(ctx, admin.AssetsByIDsParams{AssetType: api.Image, DeliveryType: "upload", PublicIDs: []string{"logo", "shop/shoe", "missing"}})
	checkErr(t, "by ids", err, byIDs.Error)
	if got := briefIDs(byIDs.Assets); strings.Join(got, " ") != "logo shop/shoe" {
		t.Fatalf("by ids = %v", got)
	}
	byTag, err := ad.AssetsByTag(ctx, admin.AssetsByTagParams{AssetType: api.Image, Tag: "red"})
	checkErr(t, "by tag", err, byTag.Error)
	if got := briefIDs(byTag.Assets); strings.Join(got, " ") != "shop/deep/hat shop/shoe" {
		t.Fatalf("by tag = %v", got)
	}
	byCtx, err := ad.AssetsByContext(ctx, admin.AssetsByContextParams{AssetType: api.Image, Key: "alt", Value: "A shoe", Context: api.Bool(true)})
	checkErr(t, "by context", err, byCtx.Error)
	if len(byCtx.Assets) != 1 || byCtx.Assets[0].PublicID != "shop/shoe" || fmt.Sprint(byCtx.Assets[0].Context["custom"]) != "map[alt:A shoe]" {
		t.Fatalf("by context = %+v", byCtx.Assets)
	}

	// Details, with the version history.
	det, err := ad.Asset(ctx, admin.AssetParams{AssetType: api.Image, DeliveryType: "upload", PublicID: "shop/shoe", Versions: api.Bool(true)})
	checkErr(t, "asset", err, det.Error)
	if det.Version != second.Version || det.Width != 20 || det.Context.Custom["alt"] != "A shoe" || det.Etag == "" || det.Derived == nil {
		t.Fatalf("details = %+v", det)
	}
	versions := rawMap(det.Response)["versions"].([]any)
	if len(versions) != 2 || versions[0].(map[string]any)["version_id"] != first.VersionID {
		t.Fatalf("versions = %v, want 2, oldest first", versions)
	}
	byAssetID, err := ad.AssetByAssetID(ctx, admin.AssetByAssetIDParams{AssetID: first.AssetID})
	checkErr(t, "by asset id", err, byAssetID.Error)
	if byAssetID.PublicID != "shop/shoe" {
		t.Fatalf("by asset id = %+v", byAssetID)
	}
	if res, _ := ad.Asset(ctx, admin.AssetParams{AssetType: api.Image, DeliveryType: "upload", PublicID: "nope"}); res.Error.Message != "Resource not found - nope" {
		t.Fatalf("missing asset: %+v", res.Error)
	}

	// Update tags and context.
	upd, err := ad.UpdateAsset(ctx, admin.UpdateAssetParams{AssetType: api.Image, DeliveryType: "upload", PublicID: "logo", Tags: []string{"brand", "top"}, Context: map[string]string{"caption": "Our logo"}})
	checkErr(t, "update", err, upd.Error)
	if strings.Join(upd.Tags, ",") != "brand,top" || upd.Context.Custom["caption"] != "Our logo" {
		t.Fatalf("updated = %+v", upd)
	}
	tags, err := ad.Tags(ctx, admin.TagsParams{AssetType: api.Image})
	checkErr(t, "tags", err, tags.Error)
	if strings.Join(tags.Tags, ",") != "brand,red,sale,top" {
		t.Fatalf("tags = %v", tags.Tags)
	}
	tagPage, _ := ad.Tags(ctx, admin.TagsParams{AssetType: api.Image, MaxResults: 3})
	tagRest, _ := ad.Tags(ctx, admin.TagsParams{AssetType: api.Image, MaxResults: 3, NextCursor: tagPage.NextCursor})
	if len(tagPage.Tags) != 3 || strings.Join(tagRest.Tags, ",") != "top" {
		t.Fatalf("tag pages = %v then %v", tagPage.Tags, tagRest.Tags)
	}

	// Folders.
	root, err := ad.RootFolders(ctx, admin.RootFoldersParams{})
	checkErr(t, "root folders", err, root.Error)
	if len(root.Folders) != 1 || root.Folders[0].Path != "shop" || root.TotalCount != 1 {
		t.Fatalf("root folders = %+v", root)
	}
	cf, err := ad.CreateFolder(ctx, admin.CreateFolderParams{Folder: "shop/empty"})
	checkErr(t, "create folder", err, cf.Error)
	if !cf.Success || cf.Path != "shop/empty" || cf.Name != "empty" {
		t.Fatalf("create folder = %+v", cf)
	}
	sub, err := ad.SubFolders(ctx, admin.SubFoldersParams{Folder: "shop"})
	checkErr(t, "sub folders", err, sub.Error)
	if len(sub.Folders) != 2 || sub.Folders[0].Path != "shop/deep" || sub.Folders[1].Name != "empty" {
		t.Fatalf("sub folders = %+v", sub)
	}
	if res, _ := ad.DeleteFolder(ctx, admin.DeleteFolderParams{Folder: "shop"}); res.Error.Message != "Folder is not empty" {
		t.Fatalf("delete non-empty folder: %+v", res)
	}
	df, err := ad.DeleteFolder(ctx, admin.DeleteFolderParams{Folder: "shop/empty"})
	checkErr(t, "delete folder", err, df.Error)
	if strings.Join(df.Deleted, ",") != "shop/empty" {
		t.Fatalf("delete folder = %+v", df)
	}

	// Search.
	sr, err := ad.Search(ctx, search.Query{Expression: "resource_type:image AND (tags=red OR tags=brand) AND width>10",
		SortBy: []search.SortByField{{"public_id": search.Ascending}}, Aggregate: []search.Aggregation{search.Format},
		WithField: []search.WithField{search.TagsField, search.ContextField}, MaxResults: 1})
	checkErr(t, "search", err, sr.Error)
	if sr.TotalCount != 2 || len(sr.Assets) != 1 || sr.Assets[0].PublicID != "shop/deep/hat" || sr.NextCursor == "" {
		t.Fatalf("search page 1 = %+v", sr)
	}
	aggs := rawMap(sr.Response)["aggregations"].(map[string]any)["format"].(map[string]any)
	if aggs["png"] != float64(2) {
		t.Fatalf("aggregations = %v", aggs)
	}
	sr2, err := ad.Search(ctx, search.Query{Expression: "resource_type:image AND (tags=red OR tags=brand) AND width>10",
		SortBy: []search.SortByField{{"public_id": search.Ascending}}, WithField: []search.WithField{search.ContextField}, MaxResults: 1, NextCursor: sr.NextCursor})
	checkErr(t, "search page 2", err, sr2.Error)
	if len(sr2.Assets) != 1 || sr2.Assets[0].PublicID != "shop/shoe" || sr2.Assets[0].Context["alt"] != "A shoe" || sr2.NextCursor != "" {
		t.Fatalf("search page 2 = %+v", sr2)
	}
	if res, _ := ad.Search(ctx, search.Query{Expression: "*"}); res.Error.Message != "Query Error (at position 1)" {
		t.Fatalf("search for *: %+v", res.Error)
	}

	// Named transformations.
	ct, err := ad.CreateTransformation(ctx, admin.CreateTransformationParams{Name: "thumb", Transformation: "c_fill,h_100,w_100"})
	checkErr(t, "create transformation", err, ct.Error)
	if ct.Message != "created" {
		t.Fatalf("create transformation = %+v", ct)
	}
	gt, err := ad.GetTransformation(ctx, admin.GetTransformationParams{Transformation: "thumb"})
	checkErr(t, "get transformation", err, gt.Error)
	if gt.Name != "t_thumb" || !gt.AllowedForStrict || !gt.Named || gt.Info[0]["crop"] != "fill" || gt.Info[0]["width"] != float64(100) {
		t.Fatalf("transformation = %+v", gt)
	}
	ut, err := ad.UpdateTransformation(ctx, admin.UpdateTransformationParams{Transformation: "thumb", AllowedForStrict: api.Bool(false), UnsafeUpdate: "c_fit,w_50"})
	checkErr(t, "update transformation", err, ut.Error)
	lt, err := ad.ListTransformations(ctx, admin.ListTransformationsParams{})
	checkErr(t, "list transformations", err, lt.Error)
	if len(lt.Transformations) != 1 || lt.Transformations[0].Name != "t_thumb" || lt.Transformations[0].AllowedForStrict {
		t.Fatalf("transformations = %+v", lt.Transformations)
	}
	if res, _ := ad.CreateTransformation(ctx, admin.CreateTransformationParams{Name: "bad", Transformation: "w_abc"}); res.Error.Message != "Invalid width - abc" {
		t.Fatalf("invalid transformation: %+v", res)
	}
	dt, err := ad.DeleteTransformation(ctx, admin.DeleteTransformationParams{Transformation: "thumb"})
	checkErr(t, "delete transformation", err, dt.Error)
	if res, _ := ad.GetTransformation(ctx, admin.GetTransformationParams{Transformation: "thumb"}); res.Error.Message == "" {
		t.Fatal("deleted transformation still found")
	}

	// Upload presets and an unsigned upload through one.
	cp, err := ad.CreateUploadPreset(ctx, admin.CreateUploadPresetParams{Name: "inbox", Unsigned: api.Bool(true),
		UploadParams: uploader.UploadParams{Folder: "inbox", Tags: []string{"from-web"}}})
	checkErr(t, "create preset", err, cp.Error)
	if cp.Message != "created" || cp.Name != "inbox" {
		t.Fatalf("create preset = %+v", cp)
	}
	gp, err := ad.GetUploadPreset(ctx, admin.GetUploadPresetParams{Name: "inbox"})
	checkErr(t, "get preset", err, gp.Error)
	if !gp.Unsigned || gp.Settings.(map[string]any)["folder"] != "inbox" {
		t.Fatalf("preset = %+v", gp)
	}
	un, err := cld.Upload.UnsignedUpload(ctx, red, "inbox", uploader.UploadParams{PublicID: "web1"})
	checkErr(t, "unsigned upload", err, un.Error)
	if un.PublicID != "inbox/web1" || strings.Join(un.Tags, ",") != "from-web" {
		t.Fatalf("unsigned upload = %+v", un)
	}
	upp, err := ad.UpdateUploadPreset(ctx, admin.UpdateUploadPresetParams{Name: "inbox", Unsigned: api.Bool(false)})
	checkErr(t, "update preset", err, upp.Error)
	if res, _ := cld.Upload.UnsignedUpload(ctx, red, "inbox", uploader.UploadParams{}); res.Error.Message != "Upload preset must be whitelisted for unsigned uploads" {
		t.Fatalf("unsigned upload through a signed preset: %+v", res.Error)
	}
	lp, err := ad.ListUploadPresets(ctx, admin.ListUploadPresetsParams{})
	checkErr(t, "list presets", err, lp.Error)
	if len(lp.Presets) != 1 || lp.Presets[0].Unsigned {
		t.Fatalf("presets = %+v", lp.Presets)
	}
	dp, err := ad.DeleteUploadPreset(ctx, admin.DeleteUploadPresetParams{Name: "inbox"})
	checkErr(t, "delete preset", err, dp.Error)

	// Restore the first version: it becomes current as a new version.
	rs, err := ad.RestoreAssets(ctx, admin.RestoreAssetsParams{AssetType: api.Image, DeliveryType: "upload", PublicIDs: []string{"shop/shoe"}, Versions: []string{first.VersionID}})
	if err != nil {
		t.Fatal(err)
	}
	restored := (*rs)["shop/shoe"]
	if restored.Width != 8 || restored.Version <= second.Version {
		t.Fatalf("restored = %+v, want the 8 px original as a version above %d", restored, second.Version)
	}
	if status, _, body := get(t, deliveryURL(t, cld, "shop/shoe", 0)); status != 200 || len(body) == 0 {
		t.Fatalf("restored asset delivers %d", status)
	}

	// Deletes: derived only (nothing yet), by public IDs, by tag, by prefix, all.
	dd, err := ad.DeleteDerivedAssetsByTransformation(ctx, admin.DeleteDerivedAssetsByTransformationParams{AssetType: api.Image, DeliveryType: "upload", PublicIDs: []string{"logo"}, Transformations: "c_fill,w_10"})
	checkErr(t, "delete derived", err, dd.Error)
	if dd.Deleted["logo"] != "deleted" {
		t.Fatalf("delete derived = %+v", dd)
	}
	if a, _ := ad.Asset(ctx, admin.AssetParams{AssetType: api.Image, DeliveryType: "upload", PublicID: "logo"}); a.PublicID != "logo" {
		t.Fatal("a derived-only delete removed the original")
	}
	ddr, err := ad.DeleteDerivedAssets(ctx, admin.DeleteDerivedAssetsParams{DerivedAssetIDs: []string{"abc"}})
	checkErr(t, "delete derived resources", err, ddr.Error)
	del, err := ad.DeleteAssets(ctx, admin.DeleteAssetsParams{AssetType: api.Image, DeliveryType: "upload", PublicIDs: []string{"logo", "missing"}})
	checkErr(t, "delete assets", err, del.Error)
	if del.Deleted["logo"] != "deleted" || del.Deleted["missing"] != "not_found" || del.Partial {
		t.Fatalf("delete = %+v", del)
	}
	if status, _, _ := get(t, deliveryURL(t, cld, "logo", 0)); status != 404 {
		t.Fatalf("deleted asset delivers %d", status)
	}
	dt2, err := ad.DeleteAssetsByTag(ctx, admin.DeleteAssetsByTagParams{AssetType: api.Image, Tag: "red"})
	checkErr(t, "delete by tag", err, dt2.Error)
	if dt2.Deleted["shop/deep/hat"] != "deleted" || dt2.Deleted["shop/shoe"] != "deleted" {
		t.Fatalf("delete by tag = %+v", dt2)
	}
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "keep/me"})
	dpx, err := ad.DeleteAssetsByPrefix(ctx, admin.DeleteAssetsByPrefixParams{AssetType: api.Image, DeliveryType: "upload", Prefix: []string{"inbox/"}})
	checkErr(t, "delete by prefix", err, dpx.Error)
	if len(dpx.Deleted) != 1 || dpx.Deleted["inbox/web1"] != "deleted" {
		t.Fatalf("delete by prefix = %+v", dpx)
	}
	da, err := ad.DeleteAllAssets(ctx, admin.DeleteAllAssetsParams{AssetType: api.Image, DeliveryType: "upload"})
	checkErr(t, "delete all", err, da.Error)
	if da.Deleted["keep/me"] != "deleted" {
		t.Fatalf("delete all = %+v", da)
	}
	left, _ := ad.Assets(ctx, admin.AssetsParams{AssetType: api.Image})
	if len(left.Assets) != 0 {
		t.Fatalf("after delete all: %v", briefIDs(left.Assets))
	}

	// Wrong credentials.
	bad, _ := cloudinary.NewFromURL(fmt.Sprintf("cloudinary://%s:wrong@%s?upload_prefix=%s", s.Key, s.Cloud, s.URL))
	if res, _ := bad.Admin.Ping(ctx); res.Error.Message != "api_secret mismatch" {
		t.Fatalf("wrong secret: %+v", res.Error)
	}
}

// Listing in pages while uploads continue: no asset that existed before
// the listing began is listed twice or missed.
func TestAdminPagingDuringUploads(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	ctx := context.Background()
	file, _ := pngFile(t, 2, 2, color.RGBA{1, 2, 3, 255})
	const n, workers = 300, 6
	var wg sync.WaitGroup
	ids := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				if _, err := cld.Upload.Upload(ctx, file, uploader.UploadParams{PublicID: fmt.Sprintf("p/%04d", i)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		ids <- i
	}
	close(ids)
	wg.Wait()

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			cld.Upload.Upload(ctx, file, uploader.UploadParams{PublicID: fmt.Sprintf("p/new-%04d", i)})
		}
	}()
	for _, dir := range []string{"desc", "asc"} {
		seen := map[string]bool{}
		cursor := ""
		for page := 0; page < 100; page++ {
			res, err := cld.Admin.Assets(ctx, admin.AssetsParams{AssetType: api.Image, DeliveryType: "upload", MaxResults: 50, NextCursor: cursor, Direction: dir})
			checkErr(t, "assets", err, res.Error)
			for _, a := range res.Assets {
				if seen[a.PublicID] {
					t.Fatalf("%s: %s listed twice", dir, a.PublicID)
				}
				seen[a.PublicID] = true
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
		for i := 0; i < n; i++ {
			if id := fmt.Sprintf("p/%04d", i); !seen[id] {
				t.Fatalf("%s: %s missed", dir, id)
			}
		}
	}
	close(stop)
	<-done
}
