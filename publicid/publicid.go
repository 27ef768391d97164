// Package publicid validates and normalises Cloudinary public IDs and
// derives them from upload parameters. It is pure: no I/O, randomness is
// injected.
//
// A public ID is a '/'-separated path of folders and a name. Cumulus accepts
// what Cloudinary accepts, normalised: surrounding slashes are dropped and
// repeated slashes collapsed (the SDKs do the same when they build URLs).
// Refused: an empty ID, more than MaxLen bytes, control characters, the
// characters ? # \ < > (they end or break a URL path), "." or ".."
// as a segment, and a folder named v<digits> (it would read as a version).
package publicid

import (
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
)

// MaxLen is the longest public ID accepted, in bytes.
const MaxLen = 255

var versionLike = regexp.MustCompile(`^v[0-9]+$`)

// Normalize returns id with surrounding slashes removed and repeated slashes
// collapsed, or an Invalid error naming what is wrong.
func Normalize(id string) (string, error) {
	const op = "publicid.Normalize"
	// Trimming can expose a slash and dropping a slash can expose a
	// space ("0 /"): repeat until neither changes anything, so that a
	// normalised ID normalises to itself.
	for {
		n := collapse(strings.TrimSpace(id))
		if n == id {
			break
		}
		id = n
	}
	if id == "" {
		return "", cumulus.Errorf(cumulus.Invalid, op, "Empty public_id")
	}
	if len(id) > MaxLen {
		return "", cumulus.Errorf(cumulus.Invalid, op, "public_id is too long (maximum is %d characters)", MaxLen)
	}
	if !utf8.ValidString(id) {
		return "", cumulus.Errorf(cumulus.Invalid, op, "Invalid public_id - not valid UTF-8")
	}
	for _, r := range id {
		if unicode.IsControl(r) || strings.ContainsRune(`?#\<>`, r) {
			return "", cumulus.Errorf(cumulus.Invalid, op, "Invalid public_id %s - it contains %q", id, r)
		}
	}
	segs := strings.Split(id, "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." {
			return "", cumulus.Errorf(cumulus.Invalid, op, "Invalid public_id %s - '%s' is not a valid folder name", id, seg)
		}
		if i < len(segs)-1 && versionLike.MatchString(seg) {
			return "", cumulus.Errorf(cumulus.Invalid, op, "Invalid folder name %s - 'v' followed by digits is reserved for versions", seg)
		}
	}
	return id, nil
}

// Folder normalises a folder parameter: "" stays "", otherwise the same rules
// as a public ID apply to every segment.
func Folder(folder string) (string, error) {
	folder = collapse(strings.TrimSpace(folder))
	if folder == "" {
		return "", nil
	}
	// Validate as if it were followed by a name.
	if _, err := Normalize(folder + "/x"); err != nil {
		return "", err
	}
	return folder, nil
}

func collapse(id string) string {
	for strings.Contains(id, "//") {
		id = strings.ReplaceAll(id, "//", "/")
	}
	return strings.Trim(id, "/")
}

// Params are the upload parameters that decide a public ID.
type Params struct {
	PublicID       string // explicit id; wins over everything else
	Folder         string // prepended to the id
	UseFilename    bool   // derive the name from Filename
	UniqueFilename bool   // add a random suffix to a filename-derived name (Cloudinary's default: true)
	Filename       string // the uploaded file's name (or filename_override)
	KeepExtension  bool   // raw assets keep their extension in the public ID
}

// Choose returns the public ID for an upload. random must return n random
// characters of [a-z0-9]; it is injected so tests are deterministic.
func Choose(p Params, random func(n int) string) (string, error) {
	folder, err := Folder(p.Folder)
	if err != nil {
		return "", err
	}
	var name string
	ext := path.Ext(p.Filename)
	switch {
	case p.PublicID != "":
		name = p.PublicID
	case p.UseFilename && sanitize(strings.TrimSuffix(path.Base(p.Filename), ext)) != "":
		name = sanitize(strings.TrimSuffix(path.Base(p.Filename), ext))
		if p.UniqueFilename {
			name += "_" + random(6)
		}
		if p.KeepExtension {
			name += ext
		}
	default:
		name = random(20)
		if p.KeepExtension {
			name += ext
		}
	}
	if folder != "" {
		name = folder + "/" + name
	}
	return Normalize(name)
}

// sanitize turns a file name into a usable public ID name: characters that a
// public ID cannot hold become '_'.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsControl(r) || strings.ContainsRune(`?#\%<>/&`, r) {
			r = '_'
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// Split returns the folder part and the last segment of a public ID.
func Split(id string) (folder, name string) {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[:i], id[i+1:]
	}
	return "", id
}
