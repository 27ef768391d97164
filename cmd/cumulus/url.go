package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus/deliveryurl"
)

// urlCmd prints the delivery URL an official SDK builds for a public ID.
// The SDK configuration comes from CLOUDINARY_URL (cloud, secret and its
// query keys, as the SDKs read them), then --config; per-call options from
// --options (both JSON with the SDKs' key names, e.g. {"width":300,
// "crop":"fill","sign_url":true}); flags override both.
func urlCmd(args []string, getenv func(string) string) (string, error) {
	fs := flag.NewFlagSet("url", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	cloud := fs.String("cloud", "", "cloud name (default from CLOUDINARY_URL)")
	rt := fs.String("resource-type", "", "image, video or raw")
	typ := fs.String("type", "", "upload, private, authenticated, list, fetch")
	tr := fs.String("t", "", "transformation, e.g. c_fill,w_300,h_250/e_grayscale")
	version := fs.Int64("version", 0, "version number (v<N>)")
	noForce := fs.Bool("no-force-version", false, "do not add v1 to foldered public IDs")
	format := fs.String("format", "", "extension to append")
	suffix := fs.String("suffix", "", "SEO suffix")
	root := fs.Bool("root-path", false, "root path form (image/upload only)")
	shorten := fs.Bool("shorten", false, "the iu form of image/upload")
	insecure := fs.Bool("insecure", false, "http instead of https")
	privateCDN := fs.Bool("private-cdn", false, "private CDN host: {cloud}-res.<domain>")
	secureDist := fs.String("secure-distribution", "", "custom https host (Go: secure_cname)")
	cname := fs.String("cname", "", "custom http host")
	shard := fs.Bool("cdn-subdomain", false, "shard hosts res-1…res-5 / a1…a5")
	sign := fs.Bool("sign", false, "add an s--SIGNATURE-- component")
	sha256 := fs.Bool("sha256", false, "sign with SHA-256")
	long := fs.Bool("long-signature", false, "32-character SHA-256 signature")
	sdk := fs.String("sdk", "node", "whose URL to build: node, go or python")
	configJSON := fs.String("config", "", "SDK configuration as JSON")
	optionsJSON := fs.String("options", "", "per-call SDK options as JSON")

	// Flags may come before or after the public ID.
	var id string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		if id != "" {
			return "", fmt.Errorf("url: one public ID expected, got %q and %q", id, fs.Arg(0))
		}
		id, args = fs.Arg(0), fs.Args()[1:]
	}
	if id == "" {
		return "", fmt.Errorf("usage: cumulus url PUBLIC_ID [flags]")
	}
	d := map[string]deliveryurl.Dialect{"node": deliveryurl.Node, "go": deliveryurl.Go, "python": deliveryurl.Python}
	dialect, ok := d[*sdk]
	if !ok {
		return "", fmt.Errorf("url: --sdk must be node, go or python")
	}
	config := map[string]any{}
	if cu := getenv("CLOUDINARY_URL"); cu != "" {
		if err := configFromCloudinaryURL(cu, config); err != nil {
			return "", err
		}
	}
	options := map[string]any{}
	for _, j := range []struct {
		name, text string
		into       map[string]any
	}{{"--config", *configJSON, config}, {"--options", *optionsJSON, options}} {
		if j.text == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(j.text), &m); err != nil {
			return "", fmt.Errorf("url: %s is not a JSON object: %w", j.name, err)
		}
		for k, v := range m {
			j.into[k] = v
		}
	}
	o, err := deliveryurl.OptionsFromSDK(config, options, dialect)
	if err != nil {
		return "", err
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "cloud":
			o.Cloud = *cloud
		case "resource-type":
			o.ResourceType = *rt
		case "type":
			o.Type = *typ
		case "t":
			o.Transformation = *tr
		case "version":
			o.Version = *version
		case "no-force-version":
			o.DisableForceVersion = *noForce
		case "format":
			o.Format = *format
		case "suffix":
			o.URLSuffix = *suffix
		case "root-path":
			o.UseRootPath = *root
		case "shorten":
			o.Shorten = *shorten
		case "insecure":
			o.Insecure = *insecure
		case "private-cdn":
			o.PrivateCDN = *privateCDN
		case "secure-distribution":
			o.SecureDistribution = *secureDist
		case "cname":
			o.CNAME = *cname
		case "cdn-subdomain":
			o.CDNSubdomain = *shard
		case "sign":
			o.SignURL = *sign
		case "sha256":
			if *sha256 {
				o.SignatureAlgorithm = "sha256"
			}
		case "long-signature":
			o.LongURLSignature = *long
		}
	})
	return deliveryurl.Build(id, o)
}

// configFromCloudinaryURL reads a CLOUDINARY_URL into SDK configuration
// keys: cloud_name, api_secret, a path as private-CDN secure_distribution
// (as Node does), and every query key, with true/false as booleans.
func configFromCloudinaryURL(s string, config map[string]any) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "cloudinary" {
		return fmt.Errorf("CLOUDINARY_URL must look like cloudinary://KEY:SECRET@CLOUD")
	}
	config["cloud_name"] = u.Hostname()
	if secret, ok := u.User.Password(); ok {
		config["api_secret"] = secret
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		config["private_cdn"], config["secure_distribution"] = true, p
	}
	for k, vs := range u.Query() {
		if b, err := strconv.ParseBool(vs[0]); err == nil {
			config[k] = b
		} else {
			config[k] = vs[0]
		}
	}
	return nil
}
