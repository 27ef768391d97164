package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/admin"
	"github.com/cumulusmedia/cumulus/publicid"
	"github.com/cumulusmedia/cumulus/upload"
)

// SetAdmin enables the Admin API, served by a.
func (s *Server) SetAdmin(a *admin.Service) { s.admin = a }

// adminHandler carries out one Admin API call on parsed parameters.
type adminHandler func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error)

// serveAdmin answers an Admin API call if segs (the decoded path after the
// cloud name) name one, and reports whether it did. Credentials are
// checked first, then the hourly budget; every answer after that carries
// the X-FeatureRateLimit-* headers.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request, env cumulus.Environment, segs []string) bool {
	if s.admin == nil {
		return false
	}
	h := s.adminRoute(r.Method, segs)
	if h == nil {
		return false
	}
	ctx := r.Context()
	key, secret, ok := r.BasicAuth()
	if err := s.admin.Authenticate(env, key, secret, ok); err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Cloudinary Admin API"`)
		s.writeAPIError(w, r, err)
		return true
	}
	rl, err := s.admin.Allow(ctx, env)
	hdr := w.Header()
	hdr.Set("X-FeatureRateLimit-Limit", strconv.FormatInt(rl.Limit, 10))
	hdr.Set("X-FeatureRateLimit-Remaining", strconv.FormatInt(rl.Remaining, 10))
	hdr.Set("X-FeatureRateLimit-Reset", rl.Reset.UTC().Format(http.TimeFormat))
	if err != nil {
		s.writeAPIError(w, r, err)
		return true
	}
	if r.ContentLength == 0 {
		// The Go SDK labels its body-less GETs as JSON.
		r.Header.Del("Content-Type")
	}
	params, file, err := s.parseBody(w, r, false)
	if file != nil {
		file.Close()
	}
	if err != nil {
		s.writeAPIError(w, r, err)
		return true
	}
	res, err := h(ctx, env, params)
	if err != nil {
		s.writeAPIError(w, r, err)
		return true
	}
	writeJSON(w, http.StatusOK, res)
	return true
}

var assetIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// adminRoute finds the handler of method on segs, or nil.
func (s *Server) adminRoute(method string, segs []string) adminHandler {
	a := s.admin
	n := len(segs)
	if n == 0 {
		return nil
	}
	rest := func(from int) string { return strings.Join(segs[from:], "/") }
	switch segs[0] {
	case "ping":
		if n == 1 && method == http.MethodGet {
			return func(context.Context, cumulus.Environment, upload.Params) (any, error) { return a.Ping(), nil }
		}
	case "error_reports":
		// Our extension: the environment's recent delivery failures.
		if n == 1 && method == http.MethodGet {
			return func(_ context.Context, env cumulus.Environment, p upload.Params) (any, error) {
				limit := intParam(p, "max_results")
				if limit <= 0 || limit > 1000 {
					limit = 1000
				}
				return map[string][]ErrorReport{"error_reports": s.reports.list(env.Cloud, limit)}, nil
			}
		}
	case "usage":
		if n <= 2 && method == http.MethodGet {
			return func(ctx context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
				return a.Usage(ctx, env)
			}
		}
	case "config":
		if n == 1 && method == http.MethodGet {
			return func(_ context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
				return map[string]any{"cloud_name": env.Cloud, "created_at": env.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
					"settings": map[string]string{"folder_mode": "fixed"}}, nil
			}
		}
	case "resources":
		return s.resourcesRoute(method, segs[1:])
	case "derived_resources":
		if n == 1 && method == http.MethodDelete {
			return func(_ context.Context, _ cumulus.Environment, p upload.Params) (any, error) {
				return a.DeleteDerived(p.List("derived_resource_ids")), nil
			}
		}
	case "tags":
		if n == 2 && method == http.MethodGet {
			return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
				return a.Tags(ctx, env, cumulus.ResourceType(segs[1]), p.Get("prefix"), intParam(p, "max_results"), p.Get("next_cursor"))
			}
		}
	case "folders":
		path := rest(1)
		switch {
		case method == http.MethodGet:
			return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
				return a.Folders(ctx, env, path, intParam(p, "max_results"), p.Get("next_cursor"))
			}
		case n > 1 && method == http.MethodPost:
			return func(ctx context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
				return a.CreateFolder(ctx, env, path)
			}
		case n > 1 && method == http.MethodDelete:
			return func(ctx context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
				return a.DeleteFolder(ctx, env, path)
			}
		case n > 1 && method == http.MethodPut:
			return func(context.Context, cumulus.Environment, upload.Params) (any, error) {
				return nil, cumulus.Errorf(cumulus.Invalid, "admin", "Renaming folders is not supported")
			}
		}
	case "transformations":
		return s.transformationsRoute(method, rest(1))
	case "upload_presets":
		return s.presetsRoute(method, n, rest(1))
	}
	return nil
}

func (s *Server) resourcesRoute(method string, segs []string) adminHandler {
	a := s.admin
	n := len(segs)
	get, post, del := method == http.MethodGet, method == http.MethodPost, method == http.MethodDelete
	switch {
	case n == 0 && get:
		return func(context.Context, cumulus.Environment, upload.Params) (any, error) { return a.ResourceTypes(), nil }
	case n == 0 && del:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			d := deleteParams(p)
			d.AssetIDs = nonNil(p.List("asset_ids"))
			return a.Delete(ctx, env, d)
		}
	case n == 1 && segs[0] == "search" && (post || get):
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			return a.Search(ctx, env, searchParams(p))
		}
	case n == 1 && segs[0] == "by_asset_ids" && get:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			lp := listParams(p)
			lp.AssetIDs = nonNil(p.List("asset_ids"))
			return a.List(ctx, env, lp)
		}
	case n == 1 && assetIDPattern.MatchString(segs[0]) && get:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			versions, _ := p.Bool("versions", false)
			return a.Details(ctx, env, admin.DetailsParams{AssetID: segs[0], Versions: versions})
		}
	}
	if n == 0 {
		return nil
	}
	rt := cumulus.ResourceType(segs[0])
	switch {
	case n == 1 && get:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			lp := listParams(p)
			lp.ResourceType = rt
			return a.List(ctx, env, lp)
		}
	case n >= 3 && segs[1] == "tags" && (get || del):
		tag := strings.Join(segs[2:], "/")
		if del {
			return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
				d := deleteParams(p)
				d.ResourceType, d.Tag = rt, tag
				return a.Delete(ctx, env, d)
			}
		}
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			lp := listParams(p)
			lp.ResourceType, lp.Tag = rt, tag
			return a.List(ctx, env, lp)
		}
	case n == 2 && segs[1] == "context" && get:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			lp := listParams(p)
			lp.ResourceType, lp.ContextKey = rt, p.Get("key")
			if lp.ContextKey == "" {
				return nil, cumulus.Errorf(cumulus.Invalid, "admin", "Missing required parameter - key")
			}
			if p.Has("value") {
				v := p.Get("value")
				lp.ContextValue = &v
			}
			return a.List(ctx, env, lp)
		}
	}
	if n < 2 {
		return nil
	}
	typ := cumulus.DeliveryType(segs[1])
	switch {
	case n == 2 && get:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			lp := listParams(p)
			lp.ResourceType, lp.Type = rt, typ
			if ids := p.List("public_ids"); len(ids) > 0 {
				lp.PublicIDs = ids
			}
			return a.List(ctx, env, lp)
		}
	case n == 2 && del:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			d := deleteParams(p)
			d.ResourceType, d.Type = rt, typ
			d.PublicIDs, d.Prefix = p.List("public_ids"), p.Get("prefix")
			d.All, _ = p.Bool("all", false)
			return a.Delete(ctx, env, d)
		}
	case n == 3 && segs[2] == "restore" && post:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			if err := checkKey(rt, typ); err != nil {
				return nil, err
			}
			return a.Restore(ctx, env, admin.RestoreParams{ResourceType: rt, Type: typ, PublicIDs: p.List("public_ids"), Versions: p.List("versions")})
		}
	case n >= 3 && (get || post):
		pid := strings.Join(segs[2:], "/")
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			key, err := assetKey(env, rt, typ, pid)
			if err != nil {
				return nil, err
			}
			if get {
				versions, _ := p.Bool("versions", false)
				return a.Details(ctx, env, admin.DetailsParams{Key: key, Versions: versions})
			}
			up := admin.UpdateParams{Key: key}
			if p.Has("tags") {
				up.Tags = nonNil(p.List("tags"))
			}
			if p.Has("context") {
				up.Context = upload.ParseContext(p.Get("context"))
			}
			if p.Has("metadata") {
				if up.Metadata, err = parseMetadata(p.Get("metadata")); err != nil {
					return nil, err
				}
			}
			return a.Update(ctx, env, up)
		}
	}
	return nil
}

func (s *Server) transformationsRoute(method, name string) adminHandler {
	a := s.admin
	pick := func(p upload.Params) string {
		if name != "" {
			return name
		}
		return p.Get("transformation")
	}
	switch method {
	case http.MethodGet:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			if t := pick(p); t != "" {
				return a.Transformation(ctx, env, t)
			}
			var named *bool
			if p.Has("named") {
				b, err := p.Bool("named", true)
				if err != nil {
					return nil, err
				}
				named = &b
			}
			return a.Transformations(ctx, env, named, intParam(p, "max_results"), p.Get("next_cursor"))
		}
	case http.MethodPost:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			n := p.Get("name")
			if n == "" {
				n = name
			}
			if n == "" {
				return nil, cumulus.Errorf(cumulus.Invalid, "admin", "Missing required parameter - name")
			}
			return a.CreateTransformation(ctx, env, n, p.Get("transformation"))
		}
	case http.MethodPut:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			var strict *bool
			if p.Has("allowed_for_strict") {
				b, err := p.Bool("allowed_for_strict", false)
				if err != nil {
					return nil, err
				}
				strict = &b
			}
			return a.UpdateTransformation(ctx, env, pick(p), strict, p.Get("unsafe_update"))
		}
	case http.MethodDelete:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			return a.DeleteTransformation(ctx, env, pick(p))
		}
	}
	return nil
}

func (s *Server) presetsRoute(method string, n int, name string) adminHandler {
	a := s.admin
	save := func(replace bool) adminHandler {
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			pp := admin.PresetParams{Name: name, Settings: map[string]string{}}
			if pp.Name == "" {
				pp.Name = p.Get("name")
			}
			if p.Has("unsigned") {
				b, err := p.Bool("unsigned", false)
				if err != nil {
					return nil, err
				}
				pp.Unsigned = &b
			}
			for k := range admin.PresetSettings {
				if p.Has(k) {
					pp.Settings[k] = p.Get(k)
				}
			}
			return a.SavePreset(ctx, env, pp, replace)
		}
	}
	switch {
	case n == 1 && method == http.MethodGet:
		return func(ctx context.Context, env cumulus.Environment, p upload.Params) (any, error) {
			return a.Presets(ctx, env, intParam(p, "max_results"), p.Get("next_cursor"))
		}
	case n == 1 && method == http.MethodPost:
		return save(false)
	case n == 2 && method == http.MethodGet:
		return func(ctx context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
			return a.Preset(ctx, env, name)
		}
	case n == 2 && method == http.MethodPut:
		return save(true)
	case n == 2 && method == http.MethodDelete:
		return func(ctx context.Context, env cumulus.Environment, _ upload.Params) (any, error) {
			return a.DeletePreset(ctx, env, name)
		}
	}
	return nil
}

func listParams(p upload.Params) admin.ListParams {
	lp := admin.ListParams{Prefix: p.Get("prefix"), MaxResults: intParam(p, "max_results"), NextCursor: p.Get("next_cursor"), Direction: p.Get("direction")}
	lp.Include.Tags, _ = p.Bool("tags", false)
	lp.Include.Context, _ = p.Bool("context", false)
	lp.Include.Metadata, _ = p.Bool("metadata", false)
	return lp
}

func deleteParams(p upload.Params) admin.DeleteParams {
	d := admin.DeleteParams{Transformations: p.Get("transformations"), NextCursor: p.Get("next_cursor")}
	d.KeepOriginal, _ = p.Bool("keep_original", false)
	d.Invalidate, _ = p.Bool("invalidate", false)
	return d
}

func searchParams(p upload.Params) admin.SearchParams {
	sp := admin.SearchParams{Expression: p.Get("expression"), MaxResults: intParam(p, "max_results"), NextCursor: p.Get("next_cursor"),
		Aggregate: p.List("aggregate"), WithField: p.List("with_field")}
	// sort_by arrives as JSON objects ({"created_at":"desc"}), one per
	// entry, or as a plain field name.
	for _, raw := range p.List("sort_by") {
		var m map[string]string
		if json.Unmarshal([]byte(raw), &m) != nil {
			sp.SortBy = append(sp.SortBy, admin.SortBy{Field: raw, Desc: true})
			continue
		}
		for k, v := range m {
			sp.SortBy = append(sp.SortBy, admin.SortBy{Field: k, Desc: strings.EqualFold(v, "desc") || v == "-1"})
		}
	}
	return sp
}

func intParam(p upload.Params, key string) int {
	n, _ := strconv.Atoi(p.Get(key))
	return n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func checkKey(rt cumulus.ResourceType, typ cumulus.DeliveryType) error {
	if !rt.Valid() {
		return cumulus.Errorf(cumulus.Invalid, "admin", "Invalid resource type - %s", rt)
	}
	if !typ.Valid() {
		return cumulus.Errorf(cumulus.Invalid, "admin", "Invalid type - %s", typ)
	}
	return nil
}

func assetKey(env cumulus.Environment, rt cumulus.ResourceType, typ cumulus.DeliveryType, pid string) (cumulus.AssetKey, error) {
	if err := checkKey(rt, typ); err != nil {
		return cumulus.AssetKey{}, err
	}
	id, err := publicid.Normalize(pid)
	if err != nil {
		return cumulus.AssetKey{}, err
	}
	return cumulus.AssetKey{Cloud: env.Cloud, ResourceType: rt, Type: typ, PublicID: id}, nil
}

// parseMetadata reads structured metadata as a JSON object or in the
// "k=v|k2=v2" encoding the SDKs use.
func parseMetadata(s string) (map[string]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		var raw map[string]any
		if err := json.Unmarshal([]byte(s), &raw); err != nil {
			return nil, cumulus.Errorf(cumulus.Invalid, "admin", "Invalid metadata - %s", s)
		}
		out := map[string]string{}
		for k, v := range raw {
			out[k] = jsonString(v)
		}
		return out, nil
	}
	return upload.ParseContext(s), nil
}
