package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/deliveryurl"
	"github.com/cumulusmedia/cumulus/signing"
)

// proxied are the Admin API endpoints (first path segment after the cloud
// name) the console may reach through its proxy.
var proxied = map[string]bool{
	"resources": true, "tags": true, "folders": true, "usage": true, "ping": true, "config": true,
	"transformations": true, "upload_presets": true, "error_reports": true, "derived_resources": true,
}

// proxy forwards an Admin API call to the server's own handler with the
// environment's credentials added, so the secret never reaches the browser.
// escapedRest is the still-escaped path after /console/api/admin/.
func (c *Console) proxy(w http.ResponseWriter, r *http.Request, env cumulus.Environment, escapedRest string) {
	first, _, _ := strings.Cut(escapedRest, "/")
	if !proxied[first] {
		writeError(w, http.StatusNotFound, "Unknown API endpoint - "+first)
		return
	}
	raw := "/v1_1/" + url.PathEscape(env.Cloud) + "/" + escapedRest
	u, err := url.Parse(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Malformed path")
		return
	}
	u.RawQuery = r.URL.RawQuery
	inner, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Malformed request")
		return
	}
	inner.Host, inner.RemoteAddr, inner.TLS = r.Host, r.RemoteAddr, r.TLS
	inner.ContentLength = r.ContentLength
	if ct := r.Header.Get("Content-Type"); ct != "" {
		inner.Header.Set("Content-Type", ct)
	}
	inner.SetBasicAuth(env.APIKey, env.APISecret)
	c.api.ServeHTTP(w, inner)
}

// signRequest is the body of POST /console/api/sign.
type signRequest struct {
	Params map[string]string `json:"params"`
}

// sign returns a signature over upload parameters for the logged-in
// environment, with a fresh timestamp, so the browser can upload straight
// to the Upload API (and report progress) without knowing the secret.
func (c *Console) sign(w http.ResponseWriter, r *http.Request, env cumulus.Environment) {
	var req signRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Malformed sign request")
		return
	}
	v := url.Values{}
	for k, val := range req.Params {
		switch k {
		case "file", "api_key", "signature", "cloud_name", "resource_type", "timestamp":
			continue // never signed, or set here
		}
		v.Set(k, val)
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	v.Set("timestamp", ts)
	params := map[string]string{}
	for k := range v {
		params[k] = v.Get(k)
	}
	params["api_key"] = env.APIKey
	params["signature"] = signing.SignParams(v, env.APISecret, signing.SHA1, 2)
	writeJSON(w, http.StatusOK, map[string]any{"params": params, "upload_url": "/v1_1/" + url.PathEscape(env.Cloud) + "/auto/upload"})
}

// URLItem asks for one delivery URL.
type URLItem struct {
	PublicID       string `json:"public_id"`
	ResourceType   string `json:"resource_type"`
	Type           string `json:"type"`
	Version        int64  `json:"version"`
	Format         string `json:"format"`
	Transformation string `json:"transformation"`
	Sign           bool   `json:"sign"`
}

// URLResult is one built URL: a path on this server (the browser adds its
// own origin), whether it is signed, or why it could not be built.
type URLResult struct {
	URL    string `json:"url,omitempty"`
	Signed bool   `json:"signed"`
	Error  string `json:"error,omitempty"`
}

// BuildURL returns the delivery path of it in env, signed when asked or
// when delivery would refuse it unsigned: a type other than upload, or
// strict transformations with a transformation.
func BuildURL(env cumulus.Environment, it URLItem) URLResult {
	sign := it.Sign || (it.Type != "" && it.Type != string(cumulus.Upload)) ||
		(env.Settings.StrictTransformations && it.Transformation != "")
	const host = "console.invalid"
	u, err := deliveryurl.Build(it.PublicID, deliveryurl.Options{
		Cloud: env.Cloud, ResourceType: it.ResourceType, Type: it.Type, Transformation: it.Transformation,
		Version: it.Version, Format: it.Format, Insecure: true, CNAME: host,
		SignURL: sign, APISecret: env.APISecret, Dialect: deliveryurl.Node,
	})
	if err != nil {
		return URLResult{Error: cumulus.PublicMessage(err)}
	}
	return URLResult{URL: strings.TrimPrefix(u, "http://"+host), Signed: sign}
}

// urls builds delivery URLs (thumbnails, previews, the transformation
// builder's result), signing those that need it.
func (c *Console) urls(w http.ResponseWriter, r *http.Request, env cumulus.Environment) {
	var req struct {
		Items []URLItem `json:"items"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Items) > 1000 {
		writeError(w, http.StatusBadRequest, "Malformed URL request")
		return
	}
	out := make([]URLResult, len(req.Items))
	for i, it := range req.Items {
		out[i] = BuildURL(env, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"urls": out})
}

// SettingField describes one environment setting for the settings page.
type SettingField struct {
	Name  string `json:"name"` // the JSON key
	Kind  string `json:"kind"` // bool, string, list, int, duration or json
	Value any    `json:"value"`
}

// SettingsFields lists every field of s, found by reflection so that
// settings added to cumulus.Settings appear without a console change.
func SettingsFields(s cumulus.Settings) []SettingField {
	v := reflect.ValueOf(s)
	t := v.Type()
	var out []SettingField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		fv := v.Field(i)
		sf := SettingField{Name: name, Kind: kindOf(f.Type)}
		switch sf.Kind {
		case "duration":
			sf.Value = time.Duration(fv.Int()).String()
		case "list":
			l := []string{}
			for j := 0; j < fv.Len(); j++ {
				l = append(l, fv.Index(j).String())
			}
			sf.Value = l
		default:
			sf.Value = fv.Interface()
		}
		out = append(out, sf)
	}
	return out
}

// ApplySettings sets the fields of s that changes names (JSON keys as
// SettingsFields reports them). Lists may be JSON arrays or comma-separated
// text, durations Go durations ("720h") or seconds. An unknown key or a
// value of the wrong type is an error of kind Invalid and changes nothing.
func ApplySettings(s cumulus.Settings, changes map[string]json.RawMessage) (cumulus.Settings, error) {
	const op = "console.settings"
	v := reflect.ValueOf(&s).Elem()
	t := v.Type()
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if n := jsonName(t.Field(i)); n != "" {
			fields[n] = i
		}
	}
	for name, raw := range changes {
		i, ok := fields[name]
		if !ok {
			return s, cumulus.Errorf(cumulus.Invalid, op, "Unknown setting - %s", name)
		}
		fv := v.Field(i)
		if err := setField(fv, raw); err != nil {
			return s, cumulus.Errorf(cumulus.Invalid, op, "Invalid value for %s - %s", name, err)
		}
	}
	return s, nil
}

func setField(fv reflect.Value, raw json.RawMessage) error {
	switch kindOf(fv.Type()) {
	case "duration":
		var text string
		if json.Unmarshal(raw, &text) == nil {
			if text == "" {
				fv.SetInt(0)
				return nil
			}
			d, err := time.ParseDuration(text)
			if err != nil {
				return fmt.Errorf("not a duration")
			}
			fv.SetInt(int64(d))
			return nil
		}
		var secs float64
		if err := json.Unmarshal(raw, &secs); err != nil {
			return fmt.Errorf("not a duration")
		}
		fv.SetInt(int64(secs * float64(time.Second)))
		return nil
	case "list":
		var text string
		if json.Unmarshal(raw, &text) == nil {
			l := reflect.MakeSlice(fv.Type(), 0, 0)
			for _, p := range strings.Split(text, ",") {
				if p = strings.TrimSpace(p); p != "" {
					l = reflect.Append(l, reflect.ValueOf(p).Convert(fv.Type().Elem()))
				}
			}
			fv.Set(l)
			return nil
		}
	}
	p := reflect.New(fv.Type())
	if err := json.Unmarshal(raw, p.Interface()); err != nil {
		return fmt.Errorf("expected %s", kindOf(fv.Type()))
	}
	fv.Set(p.Elem())
	return nil
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		name = f.Name
	}
	return name
}

var durationType = reflect.TypeOf(time.Duration(0))

func kindOf(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Bool:
		return "bool"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "list"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "int"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	}
	return "json"
}

// settings reads (GET) or changes (PUT, a JSON object of the fields to
// change) the environment's settings, then drops the server's cached
// environments so delivery applies them at once.
func (c *Console) settings(w http.ResponseWriter, r *http.Request, env cumulus.Environment) {
	if r.Method == http.MethodPut {
		var changes map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&changes); err != nil {
			writeError(w, http.StatusBadRequest, "Malformed settings")
			return
		}
		s, err := ApplySettings(env.Settings, changes)
		if err != nil {
			writeError(w, http.StatusBadRequest, cumulus.PublicMessage(err))
			return
		}
		env.Settings = s
		if err := c.envs.PutEnvironment(r.Context(), env); err != nil {
			writeError(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		c.invalidate()
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": SettingsFields(env.Settings)})
}
