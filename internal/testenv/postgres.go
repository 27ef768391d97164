// Package testenv starts the real engines that tests of the scale-out
// backends run against: PostgreSQL and MinIO.
//
// Nothing here skips silently. An engine that should be there and cannot be
// reached or started fails the test with the reason; only MinIO, whose
// build takes minutes, is skipped in the ordinary run when its binary is
// missing, with a message saying how to get the heavy run.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL
// server: a postgres:// URL of a role allowed to create databases.
const PostgresEnv = "CUMULUS_TEST_POSTGRES"

// defaultPostgres is the server the test setup provides on the machine.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	pgOnce sync.Once
	pgErr  error
)

// Postgres returns the DSN of a new, empty database on the test server and
// drops the database when t ends. The server is $CUMULUS_TEST_POSTGRES, or
// else 127.0.0.1:5432 as user postgres; when that one does not answer and
// apt-get is at hand, PostgreSQL is installed and started first. A server
// that still cannot be reached fails t with the reason.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		base = defaultPostgres
	}
	pgOnce.Do(func() { pgErr = ensurePostgres(base, os.Getenv(PostgresEnv) != "") })
	if pgErr != nil {
		t.Fatalf("testenv: PostgreSQL unavailable: %v", pgErr)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testenv: %s is not a postgres:// URL: %v", PostgresEnv, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("testenv: connect to PostgreSQL: %v", err)
	}
	defer admin.Close(ctx)
	name := "cumulus_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends sessions a failed test left open.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// ensurePostgres checks that dsn answers. When it does not, and it is the
// machine's default server rather than one the user named, it installs
// (Debian's package) and starts a local cluster that trusts loopback.
func ensurePostgres(dsn string, userNamed bool) error {
	err := ping(dsn, 5*time.Second)
	if err == nil {
		return nil
	}
	if userNamed {
		return fmt.Errorf("%s does not answer: %w", PostgresEnv, err)
	}
	fmt.Fprintf(os.Stderr, "testenv: PostgreSQL at 127.0.0.1:5432 does not answer (%v); trying to install and start it\n", err)
	if serr := startLocalPostgres(); serr != nil {
		return fmt.Errorf("127.0.0.1:5432 does not answer (%v) and starting a local server failed: %w", err, serr)
	}
	if err := ping(dsn, 60*time.Second); err != nil {
		return fmt.Errorf("started a local server but it does not answer: %w", err)
	}
	return nil
}

func ping(dsn string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// startLocalPostgres installs Debian's postgresql package when it is
// missing, makes its cluster trust connections from 127.0.0.1 (a test
// machine's server, reachable only from this machine) and starts it.
func startLocalPostgres() error {
	if _, err := exec.LookPath("pg_lsclusters"); err != nil {
		if _, err := exec.LookPath("apt-get"); err != nil {
			return errors.New("PostgreSQL is not installed and apt-get is not available; set " + PostgresEnv)
		}
		if os.Geteuid() != 0 {
			return errors.New("PostgreSQL is not installed and installing it needs root; set " + PostgresEnv)
		}
		fmt.Fprintln(os.Stderr, "testenv: installing postgresql with apt-get (a minute or two)")
		if err := run("apt-get", "update"); err != nil {
			return err
		}
		if err := run("apt-get", "install", "-y", "--no-install-recommends", "postgresql"); err != nil {
			return err
		}
	}
	out, err := exec.Command("pg_lsclusters", "--no-header").Output()
	if err != nil {
		return fmt.Errorf("pg_lsclusters: %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		return errors.New("no PostgreSQL cluster exists (pg_lsclusters lists none); create one with pg_createcluster")
	}
	version, cluster := fields[0], fields[1]
	hba := "/etc/postgresql/" + version + "/" + cluster + "/pg_hba.conf"
	if err := trustLoopback(hba); err != nil {
		return err
	}
	if err := run("pg_ctlcluster", version, cluster, "start"); err != nil {
		// Already running (with an old pg_hba.conf): reload it instead.
		if rerr := run("pg_ctlcluster", version, cluster, "reload"); rerr != nil {
			return err
		}
	}
	return nil
}

// trustLoopback puts a trust rule for 127.0.0.1 first in pg_hba.conf,
// unless one is there.
func trustLoopback(path string) error {
	const rule = "host all all 127.0.0.1/32 trust"
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.Join(strings.Fields(line), " ") == rule {
			return nil
		}
	}
	return os.WriteFile(path, []byte(rule+"\n"+string(body)), 0o640)
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out, 2000))
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
