// Package config loads the server's configuration: defaults, then an
// optional JSON file (strict: an unknown key is an error), then CUMULUS_*
// environment variables, then command-line flags. Validate reports every
// mistake at once.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus/blob/s3blob"
	"github.com/cumulusmedia/cumulus/cdn"
	"github.com/cumulusmedia/cumulus/fetch"
)

// Config is everything `cumulus serve` needs.
type Config struct {
	Addr          string   `json:"addr"`           // listen address, host:port
	DataDir       string   `json:"data"`           // SQLite database, file blobs and upload spools live here
	Store         string   `json:"store"`          // metadata: "sqlite" (in DataDir) or a postgres:// DSN every node shares
	Blobs         string   `json:"blobs"`          // blobs: "fs" (DataDir/blobs) or an s3:// URL every node shares
	PublicURL     string   `json:"public_url"`     // base of url in API responses; default http://<addr>
	SecureURL     string   `json:"secure_url"`     // base of secure_url; default PublicURL
	CloudinaryURL string   `json:"cloudinary_url"` // the environment to create or update at start
	MaxAge        Duration `json:"max_age"`        // Cache-Control max-age of unversioned URLs
	ErrorMaxAge   Duration `json:"error_max_age"`  // Cache-Control max-age of errors; 0 = no-store
	MaxImageBytes int64    `json:"max_image_bytes"`
	MaxVideoBytes int64    `json:"max_video_bytes"`
	MaxRawBytes   int64    `json:"max_raw_bytes"`
	MaxImageMP    float64  `json:"max_image_megapixels"`
	OrphanGrace   Duration `json:"orphan_grace"`    // unreferenced blobs older than this are collected
	HitCacheBytes int64    `json:"hit_cache_bytes"` // memory for small delivery responses; 0 turns the cache off
	// AdminRateLimit is the Admin API's budget of calls per environment
	// and hour (Cloudinary's free plan: 500).
	AdminRateLimit int64  `json:"admin_rate_limit"`
	LogLevel       string `json:"log_level"` // debug, info, warn, error
	// Limits of one upload or rendition (DESIGN §6): frames of an animated
	// image, pixels of a result, components of one transformation chain,
	// and the render pool (workers at once, callers waiting; the rest get 503).
	MaxFrames     int     `json:"max_frames"`
	MaxOutputMP   float64 `json:"max_output_megapixels"`
	MaxSteps      int     `json:"max_transformation_steps"`
	RenderWorkers int     `json:"render_workers"` // 0: one per core
	RenderQueue   int     `json:"render_queue"`   // 0: 64 per worker
	// RenderSourceBytes bounds the originals renders hold in memory while
	// they wait or run; 0 means no bound.
	RenderSourceBytes int64 `json:"render_source_bytes"`
	// ConsolePassword, when set, is an extra way to log in to the console
	// of the served environment (besides its API key and secret).
	ConsolePassword string `json:"console_password"`

	// Settings of the served environment, applied at start when set (nil
	// keeps what is stored).
	StrictTransformations *bool    `json:"strict_transformations"`
	OpenLists             *bool    `json:"open_lists"`
	CNAMEs                []string `json:"cnames"`

	// Purge lists the CDN purge targets (syntax in package cdn); the
	// environment variable separates them with commas.
	Purge       PurgeList `json:"purge"`
	PurgeLease  Duration  `json:"purge_lease"`  // how long a node holds a claimed purge
	MetricsAddr string    `json:"metrics_addr"` // where /metrics is served; empty = nowhere

	// FetchAllow lists CIDRs that remote uploads and webhooks may reach
	// although they are loopback, private, link-local...; the environment
	// variable separates them with commas. Empty: the public internet only.
	FetchAllow   string   `json:"fetch_allow"`
	FetchTimeout Duration `json:"fetch_timeout"` // bounds one remote download or webhook
	// JobConcurrency is how many background jobs (eager_async renditions,
	// webhooks) this node runs at once; 0 runs none here.
	JobConcurrency int      `json:"job_concurrency"`
	JobLease       Duration `json:"job_lease"`     // how long a node holds a claimed job
	JobRetryMin    Duration `json:"job_retry_min"` // first wait before a failed job is retried
}

// PurgeList is the list of purge targets. In a file it is an array of
// targets or one comma-separated string.
type PurgeList []string

// UnmarshalJSON accepts an array of strings or a comma-separated string.
func (p *PurgeList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*p = strings.Split(s, ",")
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("purge must be a list of targets or a comma-separated string: %w", err)
	}
	*p = list
	return nil
}

// PurgeTargets parses the purge targets.
func (c Config) PurgeTargets() ([]cdn.Target, error) { return cdn.ParseTargetList(c.Purge) }

// Duration is a time.Duration written as "30s", "720h" in files and
// variables.
type Duration time.Duration

// UnmarshalJSON accepts a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"720h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

func (d Duration) String() string { return time.Duration(d).String() }

// Set implements flag.Value.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// The single-machine backends, the defaults of Config.Store and Blobs.
const (
	StoreSQLite = "sqlite"
	BlobsFS     = "fs"
)

// IsPostgres reports whether c.Store names a PostgreSQL database.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// IsS3 reports whether c.Blobs names an S3-compatible bucket.
func (c Config) IsS3() bool { return strings.HasPrefix(c.Blobs, "s3://") }

// Default returns the embedded single-machine defaults.
func Default() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		DataDir:           "./data",
		Store:             StoreSQLite,
		Blobs:             BlobsFS,
		MaxAge:            Duration(30 * 24 * time.Hour),
		MaxImageBytes:     100 << 20,
		MaxVideoBytes:     2 << 30,
		MaxRawBytes:       2 << 30,
		MaxImageMP:        100,
		OrphanGrace:       Duration(time.Hour),
		HitCacheBytes:     32 << 20,
		RenderSourceBytes: 64 << 20,
		AdminRateLimit:    500,
		MaxFrames:         1000,
		MaxOutputMP:       50,
		MaxSteps:          20,
		LogLevel:          "info",
		PurgeLease:        Duration(30 * time.Second),

		FetchTimeout:   Duration(time.Minute),
		JobConcurrency: 4,
		JobLease:       Duration(2 * time.Minute),
		JobRetryMin:    Duration(10 * time.Second),
	}
}

// Load builds the configuration from a file (when --config or
// CUMULUS_CONFIG names one), the environment and args.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	file := fs.String("config", getenv("CUMULUS_CONFIG"), "JSON configuration file")
	var flagged Config
	fs.StringVar(&flagged.Addr, "addr", "", "listen address (default "+c.Addr+")")
	fs.StringVar(&flagged.DataDir, "data", "", "data folder (default "+c.DataDir+")")
	fs.StringVar(&flagged.Store, "store", "", "metadata store: sqlite, or postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=… (default sqlite)")
	fs.StringVar(&flagged.Blobs, "blobs", "", "blob store: fs, or s3://KEY:SECRET@HOST:PORT/BUCKET/PREFIX?region=… (default fs)")
	fs.StringVar(&flagged.PublicURL, "public-url", "", "base URL for url in API responses (default http://<addr>)")
	fs.StringVar(&flagged.SecureURL, "secure-url", "", "base URL for secure_url in API responses (default the public URL)")
	fs.Var(&flagged.MaxAge, "max-age", "Cache-Control max-age of URLs without an exact version (default 720h)")
	fs.StringVar(&flagged.LogLevel, "log-level", "", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *file != "" {
		if err := loadFile(&c, *file); err != nil {
			return c, err
		}
	}
	if err := loadEnv(&c, getenv); err != nil {
		return c, err
	}
	overlay(&c, flagged)
	return c, c.Validate()
}

func loadFile(c *Config, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

func loadEnv(c *Config, getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	i64 := func(name string, dst *int64) {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = n
		}
	}
	dur := func(name string, dst *Duration) {
		if v := getenv(name); v != "" {
			if err := dst.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	boolp := func(name string, dst **bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = &b
		}
	}
	boolp("CUMULUS_STRICT_TRANSFORMATIONS", &c.StrictTransformations)
	boolp("CUMULUS_OPEN_LISTS", &c.OpenLists)
	if v := getenv("CUMULUS_CNAMES"); v != "" {
		c.CNAMEs = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.CNAMEs = append(c.CNAMEs, strings.ToLower(h))
			}
		}
	}
	str("CLOUDINARY_URL", &c.CloudinaryURL)
	str("CUMULUS_ADDR", &c.Addr)
	str("CUMULUS_DATA", &c.DataDir)
	str("CUMULUS_STORE", &c.Store)
	str("CUMULUS_BLOBS", &c.Blobs)
	str("CUMULUS_PUBLIC_URL", &c.PublicURL)
	str("CUMULUS_SECURE_URL", &c.SecureURL)
	str("CUMULUS_LOG_LEVEL", &c.LogLevel)
	str("CUMULUS_CONSOLE_PASSWORD", &c.ConsolePassword)
	dur("CUMULUS_MAX_AGE", &c.MaxAge)
	dur("CUMULUS_ERROR_MAX_AGE", &c.ErrorMaxAge)
	dur("CUMULUS_ORPHAN_GRACE", &c.OrphanGrace)
	dur("CUMULUS_PURGE_LEASE", &c.PurgeLease)
	str("CUMULUS_METRICS_ADDR", &c.MetricsAddr)
	if v := getenv("CUMULUS_PURGE"); v != "" {
		c.Purge = strings.Split(v, ",")
	}
	str("CUMULUS_FETCH_ALLOW", &c.FetchAllow)
	dur("CUMULUS_FETCH_TIMEOUT", &c.FetchTimeout)
	dur("CUMULUS_JOB_LEASE", &c.JobLease)
	dur("CUMULUS_JOB_RETRY_MIN", &c.JobRetryMin)
	if v := getenv("CUMULUS_JOB_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CUMULUS_JOB_CONCURRENCY: %w", err))
		}
		c.JobConcurrency = n
	}
	i64("CUMULUS_MAX_IMAGE_BYTES", &c.MaxImageBytes)
	i64("CUMULUS_MAX_VIDEO_BYTES", &c.MaxVideoBytes)
	i64("CUMULUS_MAX_RAW_BYTES", &c.MaxRawBytes)
	i64("CUMULUS_HIT_CACHE_BYTES", &c.HitCacheBytes)
	i64("CUMULUS_ADMIN_RATE_LIMIT", &c.AdminRateLimit)
	f64 := func(name string, dst *float64) {
		if v := getenv(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = f
		}
	}
	num := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = n
		}
	}
	f64("CUMULUS_MAX_IMAGE_MEGAPIXELS", &c.MaxImageMP)
	f64("CUMULUS_MAX_OUTPUT_MEGAPIXELS", &c.MaxOutputMP)
	num("CUMULUS_MAX_FRAMES", &c.MaxFrames)
	num("CUMULUS_MAX_TRANSFORMATION_STEPS", &c.MaxSteps)
	num("CUMULUS_RENDER_WORKERS", &c.RenderWorkers)
	num("CUMULUS_RENDER_QUEUE", &c.RenderQueue)
	i64("CUMULUS_RENDER_SOURCE_BYTES", &c.RenderSourceBytes)
	return errors.Join(errs...)
}

func overlay(c *Config, f Config) {
	if f.Addr != "" {
		c.Addr = f.Addr
	}
	if f.DataDir != "" {
		c.DataDir = f.DataDir
	}
	if f.Store != "" {
		c.Store = f.Store
	}
	if f.Blobs != "" {
		c.Blobs = f.Blobs
	}
	if f.PublicURL != "" {
		c.PublicURL = f.PublicURL
	}
	if f.SecureURL != "" {
		c.SecureURL = f.SecureURL
	}
	if f.MaxAge != 0 {
		c.MaxAge = f.MaxAge
	}
	if f.LogLevel != "" {
		c.LogLevel = f.LogLevel
	}
}

// Validate reports every mistake at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr is empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data folder is empty"))
	}
	if c.Store != StoreSQLite && !c.IsPostgres() {
		// The value may hold a password: name only its scheme.
		errs = append(errs, fmt.Errorf("store %q is not sqlite or a postgres:// URL", scheme(c.Store)))
	}
	if c.Blobs != BlobsFS {
		if !c.IsS3() {
			errs = append(errs, fmt.Errorf("blobs %q is not fs or an s3:// URL", scheme(c.Blobs)))
		} else if _, err := s3blob.ParseURL(c.Blobs); err != nil {
			errs = append(errs, fmt.Errorf("blobs: %w", err))
		}
	}
	for name, u := range map[string]string{"public_url": c.PublicURL, "secure_url": c.SecureURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL", name, u))
		}
	}
	if c.CloudinaryURL != "" {
		if _, err := ParseCloudinaryURL(c.CloudinaryURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MaxAge < 0 || c.ErrorMaxAge < 0 || c.OrphanGrace < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.AdminRateLimit <= 0 {
		errs = append(errs, errors.New("admin_rate_limit must be positive"))
	}
	if c.HitCacheBytes < 0 {
		errs = append(errs, errors.New("hit_cache_bytes must not be negative"))
	}
	if c.MaxImageBytes <= 0 || c.MaxVideoBytes <= 0 || c.MaxRawBytes <= 0 || c.MaxImageMP <= 0 ||
		c.MaxOutputMP <= 0 || c.MaxFrames <= 0 || c.MaxSteps <= 0 {
		errs = append(errs, errors.New("size limits must be positive"))
	}
	if c.RenderWorkers < 0 || c.RenderQueue < 0 || c.RenderSourceBytes < 0 {
		errs = append(errs, errors.New("render_workers, render_queue and render_source_bytes must not be negative"))
	}
	if _, err := c.PurgeTargets(); err != nil {
		errs = append(errs, err)
	}
	if c.PurgeLease < Duration(time.Second) || c.PurgeLease > Duration(time.Hour) {
		errs = append(errs, fmt.Errorf("purge_lease %s is not between 1s and 1h", c.PurgeLease))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("metrics_addr %q is not host:port", c.MetricsAddr))
		}
	}
	if _, err := fetch.ParseAllow(c.FetchAllow); err != nil {
		errs = append(errs, fmt.Errorf("fetch_allow: %w", err))
	}
	if c.FetchTimeout <= 0 {
		errs = append(errs, fmt.Errorf("fetch_timeout %s must be positive", c.FetchTimeout))
	}
	if c.JobConcurrency < 0 || c.JobConcurrency > 64 {
		errs = append(errs, fmt.Errorf("job_concurrency %d is not between 0 and 64", c.JobConcurrency))
	}
	if c.JobLease < Duration(time.Second) || c.JobLease > Duration(time.Hour) {
		errs = append(errs, fmt.Errorf("job_lease %s is not between 1s and 1h", c.JobLease))
	}
	if c.JobRetryMin < Duration(10*time.Millisecond) || c.JobRetryMin > Duration(time.Hour) {
		errs = append(errs, fmt.Errorf("job_retry_min %s is not between 10ms and 1h", c.JobRetryMin))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// scheme returns what of a store or blobs setting can be shown in an error:
// the scheme of a URL (its credentials stay out of logs), or a short word.
func scheme(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		return v[:i+3] + "…"
	}
	if len(v) > 20 || strings.ContainsAny(v, "@:= ") {
		return "…"
	}
	return v
}

// Credentials are what a CLOUDINARY_URL names.
type Credentials struct {
	Cloud, APIKey, APISecret string
}

// ParseCloudinaryURL reads cloudinary://KEY:SECRET@CLOUD (the query and
// path, which configure SDKs, are ignored).
func ParseCloudinaryURL(s string) (Credentials, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "cloudinary" {
		return Credentials{}, fmt.Errorf("CLOUDINARY_URL must look like cloudinary://KEY:SECRET@CLOUD")
	}
	secret, _ := u.User.Password()
	c := Credentials{Cloud: u.Hostname(), APIKey: u.User.Username(), APISecret: secret}
	if c.Cloud == "" || c.APIKey == "" || c.APISecret == "" {
		return c, fmt.Errorf("CLOUDINARY_URL must name a cloud, an API key and a secret: cloudinary://KEY:SECRET@CLOUD")
	}
	return c, nil
}
