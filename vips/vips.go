// Package vips is Cumulus' only cgo package: a thin layer over libvips with
// one fixed-arity C wrapper per operation used (vips.c), no C type in any
// exported signature, and explicit ownership.
//
// Ownership: every *Image owns one libvips reference and must be closed with
// Close. Operations never change their receiver; they return a new *Image
// that the caller owns in addition to the receiver, so a pipeline closes each
// step once it has the next:
//
//	img, err := vips.Load(buf, vips.LoadOptions{Format: vips.JPEG})
//	if err != nil { ... }
//	defer img.Close()
//	small, err := img.Resize(0.25, 0.25)
//	if err != nil { ... }
//	defer small.Close()
//
// libvips evaluates lazily: the pixels of a chain are computed when it is
// saved or measured, and each image keeps its inputs alive inside libvips,
// so closing an intermediate *Image early is safe.
//
// An *Image that is garbage-collected without Close counts as a leak
// (LeakedImages); its finalizer frees it and reports it, nothing more.
//
// Startup must be called once before anything else; libvips then runs with
// its operation cache off and one thread per operation, and parallelism comes
// from a Pool sized to the cores.
package vips

/*
#cgo pkg-config: vips
#include "vips.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNotStarted is returned by calls made before Startup.
	ErrNotStarted = errors.New("vips: not started")
	// ErrUnknownFormat is returned for a format this package has no loader
	// or saver for.
	ErrUnknownFormat = errors.New("vips: unknown format")
	// ErrBadImage wraps every failure to read an image's bytes (garbage,
	// truncation, a format mismatch): the input is at fault, not the server.
	ErrBadImage = errors.New("vips: bad image")
	// ErrTooLarge is returned when an image's header announces more pixels
	// than allowed.
	ErrTooLarge = errors.New("vips: image too large")
	// ErrClosed is returned by an operation on a closed *Image.
	ErrClosed = errors.New("vips: image is closed")
)

// Config is how libvips runs in this process.
type Config struct {
	// Concurrency is libvips' own threads per operation. 1 is right for a
	// server, which runs one operation per core from its Pool.
	Concurrency int
	// MaxCacheOps, MaxCacheMem and MaxCacheFiles bound libvips' operation
	// cache; 0 turns it off, which a server rendering each derivative once
	// wants.
	MaxCacheOps   int
	MaxCacheMem   int64
	MaxCacheFiles int
	// BlockUntrusted blocks libvips' operations marked untrusted and every
	// loader but those of this package's formats (JPEG, PNG, WebP, GIF,
	// HEIF/AVIF, TIFF).
	BlockUntrusted bool
}

// DefaultConfig returns the configuration for a server: one libvips thread,
// no cache, untrusted loaders blocked.
func DefaultConfig() Config {
	return Config{Concurrency: 1, BlockUntrusted: true}
}

// Validate reports every invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("vips: concurrency %d, want at least 1", c.Concurrency))
	}
	if c.MaxCacheOps < 0 || c.MaxCacheMem < 0 || c.MaxCacheFiles < 0 {
		errs = append(errs, errors.New("vips: negative cache limit"))
	}
	return errors.Join(errs...)
}

var state struct {
	sync.Mutex
	started, stopped bool
}

// Startup initialises libvips with cfg. It can run once per process: libvips
// cannot be started again after Shutdown.
func Startup(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	state.Lock()
	defer state.Unlock()
	if state.started || state.stopped {
		return errors.New("vips: Startup called twice")
	}
	block := C.int(0)
	if cfg.BlockUntrusted {
		block = 1
	}
	if C.cu_startup(C.int(cfg.Concurrency), C.int(cfg.MaxCacheOps), C.size_t(cfg.MaxCacheMem),
		C.int(cfg.MaxCacheFiles), block) != 0 {
		return vipsError("startup", nil)
	}
	state.started = true
	return nil
}

// Shutdown releases libvips' global state. No call may follow it.
func Shutdown() {
	state.Lock()
	defer state.Unlock()
	if state.started {
		C.cu_shutdown()
		state.started, state.stopped = false, true
	}
}

func started() bool {
	state.Lock()
	defer state.Unlock()
	return state.started
}

// TuneMalloc sets glibc malloc to use at most arenas arenas and to give
// memory back to the system only above trimThreshold bytes free at the top
// of the heap (0 leaves a setting alone). Measured on this workload, 2 arenas
// with trimming held back beat both glibc's defaults and jemalloc. Call it
// first thing in main, before any allocation from other threads.
func TuneMalloc(arenas, trimThreshold int) error {
	if C.cu_tune_malloc(C.int(arenas), C.int(trimThreshold)) != 0 {
		return errors.New("vips: mallopt refused the settings (not glibc?)")
	}
	return nil
}

// MemStats are libvips' memory counters and this package's image counts.
type MemStats struct {
	Mem          int64 // bytes of pixel memory libvips holds now
	MemHighwater int64 // the most it ever held
	Allocs       int   // live libvips allocations
	Files        int   // files libvips holds open
	LiveImages   int64 // *Image values not yet closed
	Leaked       int64 // *Image values collected without Close
}

// Stats returns the current counters.
func Stats() MemStats {
	return MemStats{
		Mem:          int64(C.vips_tracked_get_mem()),
		MemHighwater: int64(C.vips_tracked_get_mem_highwater()),
		Allocs:       int(C.vips_tracked_get_allocs()),
		Files:        int(C.vips_tracked_get_files()),
		LiveImages:   liveImages.Load(),
		Leaked:       leakedImages.Load(),
	}
}

// vipsError turns libvips' error buffer into a Go error for op, wrapping
// kind when not nil, and clears the buffer.
//
// The buffer in libvips 8.14 is one per process behind a mutex, not one per
// thread: vips_error_buffer_copy reads and clears it atomically, so locking
// the OS thread would not help. Under concurrency a message can carry
// another failing call's text too; the failure itself is never misreported.
func vipsError(op string, kind error) error {
	p := C.cu_error()
	msg := strings.TrimSpace(C.GoString(p))
	C.g_free(C.gpointer(unsafe.Pointer(p)))
	if msg == "" {
		msg = "unknown libvips error"
	}
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if kind != nil {
		return fmt.Errorf("vips: %s: %w: %s", op, kind, msg)
	}
	return fmt.Errorf("vips: %s: %s", op, msg)
}

// keep is runtime.KeepAlive for several values, to hold images reachable
// (and their finalizers off) until a C call that uses them has returned.
func keep(imgs ...*Image) {
	for _, img := range imgs {
		runtime.KeepAlive(img)
	}
}
