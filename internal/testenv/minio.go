package testenv

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MinIOModule is the MinIO server release the heavy tests build when no
// minio binary is installed.
const MinIOModule = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// HeavyEnv names the variable that, set to 1, makes the heavy tests build
// or install every engine they need instead of skipping.
const HeavyEnv = "CUMULUS_HEAVY"

// Heavy reports whether this is the heavy run (CUMULUS_HEAVY=1).
func Heavy() bool { return os.Getenv(HeavyEnv) == "1" }

var (
	mainActive bool // set by Main: the process stops what it started

	minioOnce sync.Once
	minioSrv  *minioServer
	minioErr  error
)

type minioServer struct {
	cmd                      *exec.Cmd
	dir                      string
	endpoint, access, secret string
	exited                   chan struct{}
}

// Main runs the tests of a package that uses MinIO and then stops the
// server and removes its data. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain that has more to do before exiting: it runs
// the tests, stops what they started and returns the exit code.
//
//	func TestMain(m *testing.M) {
//		setUp()
//		code := testenv.Run(m)
//		tearDown()
//		os.Exit(code)
//	}
func Run(m *testing.M) int {
	mainActive = true
	defer func() {
		if minioSrv != nil {
			minioSrv.stop()
		}
	}()
	return m.Run()
}

// MinIO returns the endpoint (host:port, plain HTTP) and root credentials
// of a MinIO server that runs for the rest of the test process, starting
// it on the first call. The binary is minio on PATH or in $GOPATH/bin; when
// it is missing, the heavy run builds MinIOModule with go install (minutes)
// and the ordinary run skips t saying so. Anything else that keeps MinIO
// from starting fails t. The package's TestMain must call Main or Run.
func MinIO(t testing.TB) (endpoint, accessKey, secretKey string) {
	t.Helper()
	if !mainActive {
		t.Fatal("testenv: MinIO needs the package's TestMain to call testenv.Main or testenv.Run, which stop the server")
	}
	bin, found := findMinIO()
	if !found && !Heavy() {
		t.Skipf("testenv: no minio binary on PATH or in %s; run with %s=1 to build %s (about 5 minutes)", gobin(), HeavyEnv, MinIOModule)
	}
	minioOnce.Do(func() {
		if !found {
			if bin, minioErr = buildMinIO(); minioErr != nil {
				return
			}
		}
		minioSrv, minioErr = startMinIO(bin)
	})
	if minioErr != nil {
		t.Fatalf("testenv: MinIO unavailable: %v", minioErr)
	}
	return minioSrv.endpoint, minioSrv.access, minioSrv.secret
}

// gobin is where go install puts binaries.
func gobin() string {
	if d := os.Getenv("GOBIN"); d != "" {
		return d
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			return filepath.Join(strings.Split(p, string(os.PathListSeparator))[0], "bin")
		}
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "bin")
}

func findMinIO() (string, bool) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, true
	}
	p := filepath.Join(gobin(), "minio")
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return p, true
	}
	return "", false
}

// buildMinIO installs MinIOModule into gobin, printing progress, since the
// build takes minutes and a silent test looks hung.
func buildMinIO() (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", errors.New("no minio binary and no go command to build one")
	}
	fmt.Fprintf(os.Stderr, "testenv: building MinIO (go install %s); this takes about 5 minutes, run go test with -timeout 30m\n", MinIOModule)
	start := time.Now()
	cmd := exec.Command("go", "install", MinIOModule)
	// Outside any module, so this one's go.mod does not get in the way.
	cmd.Dir = os.TempDir()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(30 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(os.Stderr, "testenv: still building MinIO (%s)\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	err := cmd.Run()
	close(done)
	if err != nil {
		return "", fmt.Errorf("go install %s: %w", MinIOModule, err)
	}
	fmt.Fprintf(os.Stderr, "testenv: MinIO built in %s\n", time.Since(start).Round(time.Second))
	bin, ok := findMinIO()
	if !ok {
		return "", fmt.Errorf("go install %s succeeded but no minio binary is in %s", MinIOModule, gobin())
	}
	return bin, nil
}

// startMinIO runs one single-drive server on a free loopback port with a
// fresh temporary folder and waits until it is ready. A port taken between
// choosing and binding it is retried with another.
func startMinIO(bin string) (*minioServer, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := tryStartMinIO(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStartMinIO(bin string) (*minioServer, error) {
	dir, err := os.MkdirTemp("", "cumulus-minio-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &minioServer{
		dir:      dir,
		endpoint: fmt.Sprintf("127.0.0.1:%d", port),
		access:   "cumulus" + randomHex(4),
		secret:   randomHex(16),
		exited:   make(chan struct{}),
	}
	logFile, err := os.Create(filepath.Join(dir, "minio.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()
	data := filepath.Join(dir, "data")
	s.cmd = exec.Command(bin, "server", "--quiet", "--address", s.endpoint, data)
	s.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.access,
		"MINIO_ROOT_PASSWORD="+s.secret,
		"MINIO_BROWSER=off", // no console: one port, nothing else listening
		"MINIO_UPDATE=off",
		"HOME="+dir, // its config folder (~/.minio) goes with the data
	)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()

	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "minio.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("minio server exited at start: %s", tail(log, 2000))
		default:
		}
		resp, err := client.Get("http://" + s.endpoint + "/minio/health/cluster") // 200 only once the object layer is up
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("minio server at %s not ready within a minute (last: %v)", s.endpoint, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the server, waiting for it, and removes its folder.
func (s *minioServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
