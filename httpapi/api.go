package httpapi

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/upload"
)

// serveAPI routes /v1_1/{cloud}/{resource_type}/{action}. The path is the
// decoded one, so Node's percent-encoded slashes route like real ones.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rest string) {
	corsAPI(w.Header(), r)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	cloud := parts[0]
	env, ok, err := s.environment(r.Context(), cloud)
	if err != nil {
		s.writeAPIError(w, r, cumulus.Wrap("api", err))
		return
	}
	if !ok {
		s.writeAPIError(w, r, cumulus.Errorf(cumulus.NotFound, "api", "Invalid cloud_name %s", cloud))
		return
	}
	if len(parts) == 3 && isUploadResourceType(parts[1]) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			s.writeAPIError(w, r, cumulus.Errorf(cumulus.NotFound, "api", "Method %s is not allowed here", r.Method))
			return
		}
		s.serveUploadAPI(w, r, env, cumulus.ResourceType(parts[1]), parts[2])
		return
	}
	if s.serveAdmin(w, r, env, parts[1:]) {
		return
	}
	s.writeAPIError(w, r, cumulus.Errorf(cumulus.NotFound, "api", "Unknown API endpoint - /v1_1/%s", rest))
}

func isUploadResourceType(s string) bool {
	switch cumulus.ResourceType(s) {
	case cumulus.Image, cumulus.Video, cumulus.Raw, cumulus.Auto:
		return true
	}
	return false
}

func (s *Server) serveUploadAPI(w http.ResponseWriter, r *http.Request, env cumulus.Environment, rt cumulus.ResourceType, action string) {
	ctx := r.Context()
	params, file, err := s.parseBody(w, r, action == "upload")
	if file != nil {
		defer file.Close()
	}
	if err != nil {
		s.writeAPIError(w, r, err)
		return
	}
	var result any
	switch action {
	case "upload":
		result, err = s.upload.Upload(ctx, upload.Request{
			Env: env, ResourceType: rt, Params: params, File: file,
			UploadID: r.Header.Get("X-Unique-Upload-Id"), ContentRange: r.Header.Get("Content-Range"),
		})
	case "destroy":
		result, err = s.upload.Destroy(ctx, env, rt, params)
	case "rename":
		result, err = s.upload.Rename(ctx, env, rt, params)
	case "tags":
		result, err = s.upload.Tags(ctx, env, rt, params)
	case "explicit":
		result, err = s.upload.Explicit(ctx, env, rt, params)
	case "context":
		result, err = s.upload.Context(ctx, env, rt, params)
	default:
		err = cumulus.Errorf(cumulus.NotFound, "api", "Unknown API action - %s", action)
	}
	if err != nil {
		s.writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, result)
}

// parseBody reads the parameters of an API call in any encoding the SDKs
// use: multipart/form-data (Node, Python, Go with files), urlencoded, and
// urlencoded with no Content-Type at all (Go's non-file calls). A "file"
// field (a part, or a base64 data URI) is spooled to disk, never held in
// memory whole.
func (s *Server) parseBody(w http.ResponseWriter, r *http.Request, wantFile bool) (upload.Params, *upload.Spool, error) {
	const op = "api.parse"
	limit := s.uploadCfg.MaxBodyBytes()
	// A body may be base64 (4/3 larger) plus form fields.
	maxBody := limit*4/3 + (1 << 20)
	if r.ContentLength > maxBody {
		// Refused from the header: not one byte of the body is read.
		return nil, nil, cumulus.Errorf(cumulus.TooLarge, op, "File size too large. Got %d. Maximum is %d.", r.ContentLength, limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	params := upload.Params{}
	for k, v := range r.URL.Query() {
		params[k] = v
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, ctParams["boundary"])
		var file *upload.Spool
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return params, file, bodyError(op, err)
			}
			name := part.FormName()
			if name == "file" && wantFile && file == nil {
				var text string
				file, text, err = s.spoolPart(part, limit)
				if err != nil {
					return params, file, err
				}
				if file == nil { // a text field: a remote URL
					params[name] = append(params[name], text)
				}
				continue
			}
			value, err := io.ReadAll(io.LimitReader(part, s.cfg.MaxFieldSize+1))
			if err != nil {
				return params, file, bodyError(op, err)
			}
			if int64(len(value)) > s.cfg.MaxFieldSize {
				return params, file, cumulus.Errorf(cumulus.Invalid, op, "Parameter %s is too long", name)
			}
			params[name] = append(params[name], string(value))
		}
		if file == nil && strings.HasPrefix(params.Get("file"), "data:") {
			file, err := s.spoolDataURI(strings.NewReader(params.Get("file")), limit)
			delete(params, "file")
			return params, file, err
		}
		return params, file, nil
	case "", "application/x-www-form-urlencoded":
		return s.parseURLEncoded(r.Body, params, wantFile, limit)
	case "application/json":
		return s.parseJSON(r.Body, params)
	default:
		return params, nil, cumulus.Errorf(cumulus.Invalid, op, "Unsupported Content-Type %s", ct)
	}
}

// spoolPart stores a multipart "file" part. A part without a filename that
// is not a data URI is a text value (a remote URL): spoolPart returns no
// spool and the text, bounded like any field.
func (s *Server) spoolPart(part *multipart.Part, limit int64) (*upload.Spool, string, error) {
	br := bufio.NewReaderSize(part, 64<<10)
	if part.FileName() == "" {
		head, _ := br.Peek(5)
		if string(head) == "data:" {
			sp, err := s.spoolDataURI(br, limit)
			return sp, "", err
		}
		value, err := io.ReadAll(io.LimitReader(br, s.cfg.MaxFieldSize+1))
		if err != nil {
			return nil, "", bodyError("api.parse", err)
		}
		if int64(len(value)) > s.cfg.MaxFieldSize {
			return nil, "", cumulus.Errorf(cumulus.Invalid, "api.parse", "Parameter file is too long")
		}
		return nil, string(value), nil
	}
	sp, err := upload.NewSpool(s.cfg.TempDir, limit)
	if err != nil {
		return nil, "", err
	}
	sp.Filename = part.FileName()
	if _, err := sp.ReadFrom(br); err != nil {
		return sp, "", bodyError("api.parse", err)
	}
	return sp, "", nil
}

// spoolDataURI decodes "data:<mime>;base64,<data>" into a spool.
func (s *Server) spoolDataURI(r io.Reader, limit int64) (*upload.Spool, error) {
	const op = "api.parse"
	br := bufio.NewReader(r)
	header, err := br.ReadString(',')
	if err != nil || !strings.HasPrefix(header, "data:") || !strings.HasSuffix(header, ";base64,") {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid file parameter - only base64 data URIs are accepted")
	}
	sp, err := upload.NewSpool(s.cfg.TempDir, limit)
	if err != nil {
		return nil, err
	}
	dec := base64.NewDecoder(base64.StdEncoding, newlineStripper{br})
	if _, err := sp.ReadFrom(dec); err != nil {
		var ce *cumulus.Error
		if errors.As(err, &ce) {
			return sp, err
		}
		return sp, cumulus.Errorf(cumulus.Invalid, op, "Invalid file parameter - bad base64 data")
	}
	return sp, nil
}

// parseURLEncoded reads a urlencoded body. The file field, when present,
// may be a large data URI: it is decoded straight into a spool.
func (s *Server) parseURLEncoded(body io.Reader, params upload.Params, wantFile bool, limit int64) (upload.Params, *upload.Spool, error) {
	const op = "api.parse"
	br := bufio.NewReaderSize(body, 64<<10)
	var file *upload.Spool
	for {
		pair, err := br.ReadSlice('&')
		if err == bufio.ErrBufferFull {
			// A field longer than the buffer: only a file may be that long.
			if bytes.HasPrefix(pair, []byte("file=")) && wantFile && file == nil {
				file, err = s.spoolURLEncodedFile(io.MultiReader(bytes.NewReader(pair[5:]), &untilAmp{r: br}), limit)
				if err != nil {
					return params, file, err
				}
				continue
			}
			return params, file, cumulus.Errorf(cumulus.Invalid, op, "Parameter is too long")
		}
		if err != nil && err != io.EOF {
			return params, file, bodyError(op, err)
		}
		field := strings.TrimSuffix(string(pair), "&")
		if field != "" {
			k, v, _ := strings.Cut(field, "=")
			key, err1 := url.QueryUnescape(k)
			val, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				return params, file, cumulus.Errorf(cumulus.Invalid, op, "Malformed form body")
			}
			if key == "file" && wantFile && file == nil && strings.HasPrefix(val, "data:") {
				if file, err = s.spoolDataURI(strings.NewReader(val), limit); err != nil {
					return params, file, err
				}
			} else {
				params[key] = append(params[key], val)
			}
		}
		if err == io.EOF {
			return params, file, nil
		}
	}
}

// spoolURLEncodedFile decodes a long "file" value (percent-encoded data URI).
func (s *Server) spoolURLEncodedFile(r io.Reader, limit int64) (*upload.Spool, error) {
	return s.spoolDataURI(&percentDecoder{r: bufio.NewReader(r)}, limit)
}

func bodyError(op string, err error) error {
	var ce *cumulus.Error
	if errors.As(err, &ce) {
		return err
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return cumulus.Errorf(cumulus.Invalid, op, "File size too large. Maximum is %d.", mbe.Limit)
	}
	return &cumulus.Error{Kind: cumulus.Invalid, Op: op, Message: "Malformed request body", Err: err}
}

func corsAPI(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST, GET, PUT, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Range, X-Unique-Upload-Id, X-Requested-With")
	h.Set("Access-Control-Max-Age", "1728000")
	h.Add("Vary", "Origin")
}
