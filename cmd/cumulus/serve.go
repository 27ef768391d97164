package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/admin"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/blob/s3blob"
	"github.com/cumulusmedia/cumulus/cdn"
	"github.com/cumulusmedia/cumulus/console"
	"github.com/cumulusmedia/cumulus/delivery"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/httpapi"
	"github.com/cumulusmedia/cumulus/internal/config"
	"github.com/cumulusmedia/cumulus/notify"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/store/postgres"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/upload"
	"github.com/cumulusmedia/cumulus/vips"
)

func serve(args []string) error {
	// glibc malloc with two arenas: libvips allocates from every worker
	// thread, and an arena per thread multiplies the resident memory of a
	// rendering server (DESIGN §7). A fixed trim threshold also stops glibc
	// from raising its mmap threshold after large frees, so image buffers
	// keep coming from mmap and go back to the system when freed (measured:
	// peak RSS 225 MB instead of 274 MB over the same rendition runs).
	vips.TuneMalloc(2, 256<<10)
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft ceiling for the Go heap (rendered bytes, caches): the
		// collector works harder near it instead of letting RSS grow.
		debug.SetMemoryLimit(192 << 20)
	}
	log := newLogger(cfg.LogLevel)
	// Backends without a logger of their own (the PostgreSQL change
	// listener) write through this one.
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	defer blobs.Close()
	tmp := filepath.Join(cfg.DataDir, "tmp")
	// Spools of requests cut short by a crash are never needed again.
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}

	env, generated, err := ensureEnvironment(ctx, store, cfg.CloudinaryURL)
	if err != nil {
		return err
	}
	if env, err = applySettings(ctx, store, env, cfg); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	secureURL := cfg.SecureURL
	if secureURL == "" {
		secureURL = publicURL
	}

	upCfg := upload.DefaultConfig()
	upCfg.TempDir = tmp
	upCfg.MaxImageBytes, upCfg.MaxVideoBytes, upCfg.MaxRawBytes = cfg.MaxImageBytes, cfg.MaxVideoBytes, cfg.MaxRawBytes
	upCfg.MaxImagePixels = int64(cfg.MaxImageMP * 1e6)
	upCfg.MaxFrames = cfg.MaxFrames
	up, err := upload.New(store, blobs.blobStore, upCfg, assetURLs(publicURL, secureURL), nil)
	if err != nil {
		return err
	}
	// libvips: untrusted loaders blocked, its cache off, one thread per
	// operation; parallelism comes from the pool (one worker per core,
	// a bounded queue; overflow answers 503).
	if err := vips.Startup(vips.DefaultConfig()); err != nil {
		return err
	}
	defer vips.Shutdown()
	workers := cfg.RenderWorkers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	queue := cfg.RenderQueue
	if queue == 0 {
		queue = 64 * workers
	}
	pool := vips.NewPool(workers, queue)
	rcfg := render.DefaultConfig()
	rcfg.MaxInputPixels = upCfg.MaxImagePixels
	rcfg.MaxOutputPixels = int64(cfg.MaxOutputMP * 1e6)
	// Frames beyond the upload limit never reach the renderer.
	rcfg.MaxFrames = min(rcfg.MaxFrames, cfg.MaxFrames)
	renderer, err := render.New(rcfg, pool)
	if err != nil {
		return err
	}
	delCfg := delivery.DefaultConfig()
	delCfg.MaxAge = time.Duration(cfg.MaxAge)
	delCfg.ErrorMaxAge = time.Duration(cfg.ErrorMaxAge)
	delCfg.Limits.MaxComponents = cfg.MaxSteps
	delCfg.SourceBytes = cfg.RenderSourceBytes
	del, err := delivery.New(store, blobs.blobStore, renderer, delCfg)
	if err != nil {
		return err
	}
	// CDN purges: the store writes them to its outbox with the change that
	// needs them; this worker carries them out, woken by every commit.
	targets, err := cfg.PurgeTargets()
	if err != nil {
		return err
	}
	purgers, err := cdn.NewPurgers(targets, os.Getenv, nil)
	if err != nil {
		return err
	}
	workerCfg := cdn.DefaultWorkerConfig()
	workerCfg.Lease = time.Duration(cfg.PurgeLease)
	purgeWorker, err := cdn.NewWorker(store, purgers, workerCfg, log.With("component", "purge"))
	if err != nil {
		return err
	}
	store.WatchChanges(func(cumulus.AssetKey) { purgeWorker.Wake() })
	workerDone := make(chan struct{})
	go func() { purgeWorker.Run(ctx); close(workerDone) }()
	// Runs before the store is closed: the worker records its last outcome.
	defer func() { stop(); <-workerDone }()
	for _, p := range purgers {
		log.Info("purge target", "name", p.Name())
	}
	// Upload API extras: remote files and webhooks go through the
	// SSRF-safe fetcher; eager_async renditions and webhooks wait in the
	// store's job queue, worked here (and on any node sharing the store).
	fetchCfg := fetch.DefaultConfig()
	fetchCfg.Allow, _ = fetch.ParseAllow(cfg.FetchAllow) // validated by config
	fetchCfg.Timeout = time.Duration(cfg.FetchTimeout)
	fetchCfg.MaxBytes = upCfg.MaxBodyBytes()
	fetcher, err := fetch.New(fetchCfg)
	if err != nil {
		return err
	}
	up.Fetch, up.Deriver = fetcher, del
	if cfg.JobConcurrency > 0 {
		jobCfg := notify.DefaultWorkerConfig()
		jobCfg.Batch = cfg.JobConcurrency
		jobCfg.Lease = time.Duration(cfg.JobLease)
		jobCfg.MinBackoff = time.Duration(cfg.JobRetryMin)
		jobCfg.MaxBackoff = max(jobCfg.MaxBackoff, jobCfg.MinBackoff)
		jobs, err := notify.NewWorker(store, jobCfg, log.With("component", "jobs"))
		if err != nil {
			return err
		}
		jobs.Handle(notify.KindWebhook, notify.NewSender(store, fetcher, nil).Handle)
		jobs.Handle(upload.KindEager, up.HandleEagerJob)
		up.JobsChanged = jobs.Wake
		jobsDone := make(chan struct{})
		go func() { jobs.Run(ctx); close(jobsDone) }()
		defer func() { stop(); <-jobsDone }()
	}
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", purgeWorker)
		go func() { log.Warn("metrics", "err", http.ListenAndServe(cfg.MetricsAddr, mux)) }()
	}

	handler := httpapi.New(store, up, del, upCfg, httpapi.Config{TempDir: tmp, ErrorMaxAge: time.Duration(cfg.ErrorMaxAge), HitCacheBytes: cfg.HitCacheBytes}, log)
	adCfg := admin.DefaultConfig()
	adCfg.MaxImageBytes, adCfg.MaxVideoBytes, adCfg.MaxRawBytes, adCfg.MaxImagePixels = upCfg.MaxImageBytes, upCfg.MaxVideoBytes, upCfg.MaxRawBytes, upCfg.MaxImagePixels
	adCfg.RateLimit = cfg.AdminRateLimit
	ad, err := admin.New(store, adCfg, admin.URLFunc(assetURLs(publicURL, secureURL)), nil)
	if err != nil {
		return err
	}
	handler.SetAdmin(ad)
	conCfg := console.DefaultConfig()
	if cfg.ConsolePassword != "" {
		conCfg.Passwords = map[string]string{env.Cloud: cfg.ConsolePassword}
	}
	con, err := console.New(conCfg, store, handler, handler.InvalidateEnvironments)
	if err != nil {
		return err
	}
	handler.SetConsole(con)

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go collectOrphans(ctx, log, store, blobs.blobStore, time.Duration(cfg.OrphanGrace))
	if s3, ok := blobs.blobStore.(*s3blob.Store); ok {
		go abortStaleUploads(ctx, log, s3)
	}
	if addr := os.Getenv("CUMULUS_PPROF"); addr != "" {
		// Profiling on a separate, operator-chosen address only.
		go func() { log.Warn("pprof", "err", http.ListenAndServe(addr, pprofMux())) }()
	}

	fmt.Printf("Cumulus serving on %s (listening on %s, data in %s)\n", publicURL, ln.Addr(), cfg.DataDir)
	fmt.Printf("Metadata in %s, blobs in %s\n", storeName(cfg), blobsName(cfg))
	fmt.Printf("Product environment %q", env.Cloud)
	if generated {
		fmt.Printf(" (generated)")
	}
	fmt.Printf("\n  CLOUDINARY_URL=cloudinary://%s:%s@%s?upload_prefix=%s\n", env.APIKey, env.APISecret, env.Cloud, publicURL)
	u, _ := url.Parse(publicURL)
	fmt.Printf("  Go SDK: add &secure=false&cname=%s to build delivery URLs on this server\n", u.Host)
	fmt.Printf("  Console: %s/console/\n", publicURL)

	errc := make(chan error, 1)
	// Cache hits are answered before net/http sees them (httpapi.HitLane).
	lane := handler.HitLane(ln, httpapi.HitLaneConfig{IdleTimeout: srv.IdleTimeout, ReadHeaderTimeout: srv.ReadHeaderTimeout})
	go func() { errc <- srv.Serve(lane) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ensureEnvironment creates or updates the environment CLOUDINARY_URL
// names; without one it reuses the first stored environment or generates
// one.
func ensureEnvironment(ctx context.Context, store cumulus.AssetStore, cloudinaryURL string) (cumulus.Environment, bool, error) {
	if cloudinaryURL != "" {
		cred, err := config.ParseCloudinaryURL(cloudinaryURL)
		if err != nil {
			return cumulus.Environment{}, false, err
		}
		env, err := store.Environment(ctx, cred.Cloud)
		if err != nil && !cumulus.IsNotFound(err) {
			return env, false, err
		}
		env.Cloud, env.APIKey, env.APISecret = cred.Cloud, cred.APIKey, cred.APISecret
		return env, false, store.PutEnvironment(ctx, env)
	}
	envs, err := store.Environments(ctx)
	if err != nil {
		return cumulus.Environment{}, false, err
	}
	if len(envs) > 0 {
		return envs[0], false, nil
	}
	env := cumulus.Environment{Cloud: "local", APIKey: randomDigits(15), APISecret: randomSecret(27)}
	return env, true, store.PutEnvironment(ctx, env)
}

// applySettings stores the environment settings the configuration sets.
func applySettings(ctx context.Context, store cumulus.AssetStore, env cumulus.Environment, cfg config.Config) (cumulus.Environment, error) {
	changed := false
	if cfg.StrictTransformations != nil {
		env.Settings.StrictTransformations, changed = *cfg.StrictTransformations, true
	}
	if cfg.OpenLists != nil {
		env.Settings.OpenLists, changed = *cfg.OpenLists, true
	}
	if cfg.CNAMEs != nil {
		env.Settings.CNAMEs, changed = cfg.CNAMEs, true
	}
	if !changed {
		return env, nil
	}
	return env, store.PutEnvironment(ctx, env)
}

// assetURLs builds the url and secure_url of upload responses.
func assetURLs(publicURL, secureURL string) upload.URLFunc {
	publicURL, secureURL = strings.TrimSuffix(publicURL, "/"), strings.TrimSuffix(secureURL, "/")
	return func(k cumulus.AssetKey, version int64, format string) (string, string) {
		var b strings.Builder
		b.WriteString("/" + k.Cloud + "/" + string(k.ResourceType) + "/" + string(k.Type) + "/v" + strconv.FormatInt(version, 10))
		for _, seg := range strings.Split(k.PublicID, "/") {
			b.WriteString("/" + url.PathEscape(seg))
		}
		if format != "" {
			b.WriteString("." + format)
		}
		return publicURL + b.String(), secureURL + b.String()
	}
}

// metadataStore is an AssetStore that reports committed changes, which
// wake the purge worker and keep the delivery caches current.
type metadataStore interface {
	cumulus.AssetStore
	cumulus.ChangeWatcher
}

// openStore opens the metadata store cfg.Store names: SQLite in the data
// folder, or a PostgreSQL database shared by every node.
func openStore(ctx context.Context, cfg config.Config) (metadataStore, error) {
	if cfg.IsPostgres() {
		octx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return postgres.Open(octx, cfg.Store)
	}
	return sqlite.Open(filepath.Join(cfg.DataDir, "cumulus.db"))
}

// blobBackend is a BlobStore that can list its keys, which the orphan
// collector needs, and be closed. Services get blobStore itself, so that
// they see its optional capabilities (cumulus.CachePutter).
type blobBackend struct {
	blobStore
	close func() error
}

type blobStore interface {
	cumulus.BlobStore
	upload.KeyLister
}

func (b blobBackend) Close() error { return b.close() }

// openBlobs opens the blob store cfg.Blobs names: files in the data folder,
// or an S3-compatible bucket shared by every node.
func openBlobs(ctx context.Context, cfg config.Config) (blobBackend, error) {
	if cfg.IsS3() {
		s3cfg, err := s3blob.ParseURL(cfg.Blobs)
		if err != nil {
			return blobBackend{}, err
		}
		octx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		s, err := s3blob.Open(octx, s3cfg)
		if err != nil {
			return blobBackend{}, err
		}
		return blobBackend{s, func() error { return nil }}, nil
	}
	fs, err := fsblob.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return blobBackend{}, err
	}
	return blobBackend{fs, fs.Close}, nil
}

// storeName and blobsName say where things are without the credentials a
// DSN or URL may carry.
func storeName(cfg config.Config) string {
	if !cfg.IsPostgres() {
		return "SQLite " + filepath.Join(cfg.DataDir, "cumulus.db")
	}
	if u, err := url.Parse(cfg.Store); err == nil {
		return "PostgreSQL " + u.Host + u.Path
	}
	return "PostgreSQL"
}

func blobsName(cfg config.Config) string {
	if !cfg.IsS3() {
		return filepath.Join(cfg.DataDir, "blobs")
	}
	if c, err := s3blob.ParseURL(cfg.Blobs); err == nil {
		return "s3://" + c.Endpoint + "/" + c.Bucket + "/" + c.Prefix
	}
	return "S3"
}

// staleUploadAge is how old an incomplete multipart upload must be before
// abortStaleUploads removes it: far above the longest real upload.
const staleUploadAge = 24 * time.Hour

// abortStaleUploads frees, every hour, the parts of multipart uploads a
// crashed node left in the bucket. Every node runs it; aborting an upload
// another node has just aborted is not an error.
func abortStaleUploads(ctx context.Context, log *slog.Logger, blobs *s3blob.Store) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := blobs.AbortStaleUploads(ctx, staleUploadAge)
		if err != nil && ctx.Err() == nil {
			log.Error("aborting stale multipart uploads", "err", err)
		} else if n > 0 {
			log.Info("aborted stale multipart uploads", "count", n)
		}
	}
}

// collectOrphans deletes, periodically, blobs no version or derivative
// references. With shared backends every node runs it: two nodes deleting
// one orphan is harmless, and the grace period protects uploads in flight
// on any node.
func collectOrphans(ctx context.Context, log *slog.Logger, store cumulus.AssetStore, blobs blobStore, grace time.Duration) {
	every := min(max(grace, time.Minute), time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := upload.CollectOrphans(ctx, store, blobs, blobs, grace, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("orphan collection", "err", err)
		} else if n > 0 {
			log.Info("collected orphan blobs", "count", n)
		}
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func randomSecret(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
