//go:build fdb

package fdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"

	"github.com/strata-db/strata/cli"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"

	// The smoke test moves data from an embedded directory to the cluster,
	// as docs/foundationdb.md tells users to.
	_ "github.com/strata-db/strata/engine/embedded"
)

// The container source: when neither STRATA_FDB_CLUSTER_FILE nor an fdb:
// STRATA_TEST_DB names a cluster, the tests start FoundationDB in Docker
// with testcontainers-go, and skip when there is no Docker engine.
const (
	// containerImage is the FoundationDB server image the tests start.
	containerImage = "foundationdb/foundationdb:7.3.63"
	// envImage overrides containerImage.
	envImage = "STRATA_FDB_IMAGE"
	// envNetwork selects how the client reaches the container: "container"
	// (the default: the container's own IP on Docker's bridge network,
	// which a Linux host routes to) or "host" (host networking, the server
	// on 127.0.0.1 at a free port: for engines whose container IPs the
	// host cannot reach, where host networking is available).
	envNetwork = "STRATA_FDB_CONTAINER_NETWORK"
	// containerStartup bounds pulling, starting and configuring the
	// container.
	containerStartup = 5 * time.Minute
	// containerClusterFile is where the image's entrypoint writes the
	// cluster file, as FDB_CLUSTER_FILE says.
	containerClusterFile = "/var/fdb/fdb.cluster"
)

func init() {
	clusterSources = append(clusterSources, clusterSource{name: "a " + image() + " container", find: fromContainer})
}

func image() string {
	if im := os.Getenv(envImage); im != "" {
		return im
	}
	return containerImage
}

// dockerHealth reports why no Docker engine can run containers, or nil.
// testcontainers-go panics on some broken setups: that is a reason too.
func dockerHealth(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	provider, err := testcontainers.ProviderDocker.GetProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	return provider.Health(ctx)
}

// fromContainer starts the FoundationDB container and returns a cluster
// file for it, written in a temporary directory; TestMain terminates the
// container and removes the directory after the tests.
func fromContainer(t *testing.T) (string, bool, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), containerStartup)
	defer cancel()
	hctx, hcancel := context.WithTimeout(ctx, 20*time.Second)
	err := dockerHealth(hctx)
	hcancel()
	if err != nil {
		return "", false, "no Docker engine is reachable to start " + image() + " (testcontainers-go: " + oneLine(err.Error()) + ")", nil
	}

	mode := os.Getenv(envNetwork)
	env := map[string]string{"FDB_NETWORKING_MODE": "container"}
	opts := []testcontainers.ContainerCustomizer{}
	switch mode {
	case "", "container":
		mode = "container"
	case "host":
		port, err := freePort()
		if err != nil {
			return "", false, "", err
		}
		env["FDB_NETWORKING_MODE"] = "host" // the server's public address is 127.0.0.1
		env["FDB_PORT"] = strconv.Itoa(port)
		opts = append(opts, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.NetworkMode = "host"
		}))
	default:
		return "", false, "", fmt.Errorf("%s=%q: want container or host", envNetwork, mode)
	}
	opts = append(opts, testcontainers.WithEnv(env))

	t.Logf("fdb: starting %s (network: %s)", image(), mode)
	c, err := testcontainers.Run(ctx, image(), opts...)
	if c != nil {
		atExit = append(atExit, func() {
			if err := testcontainers.TerminateContainer(c); err != nil {
				fmt.Fprintf(os.Stderr, "fdb: terminating the FoundationDB container: %v\n", err)
			}
		})
	}
	if err != nil {
		return "", false, "", fmt.Errorf("starting %s: %w", image(), err)
	}

	// The entrypoint writes the cluster file, with the address the server
	// publishes (the container's IP, or 127.0.0.1 with host networking),
	// then starts fdbserver.
	var contents string
	err = retry(ctx, func() error {
		out, err := execIn(ctx, c, "cat", containerClusterFile)
		if err == nil && !strings.Contains(out, "@") {
			err = errors.New("no cluster file yet")
		}
		contents = strings.TrimSpace(out)
		return err
	})
	if err != nil {
		return "", false, "", fmt.Errorf("reading the container's cluster file: %w", err)
	}
	t.Logf("fdb: the container's cluster file: %s", contents)

	// A new database: one process, in memory. Once created, a retried
	// configure says the database already exists.
	err = retry(ctx, func() error {
		out, err := execIn(ctx, c, "fdbcli", "-C", containerClusterFile, "--timeout", "10", "--exec", "configure new single memory")
		if strings.Contains(out, "Database created") || strings.Contains(out, "already exists") {
			return nil
		}
		if err == nil {
			err = errors.New(oneLine(out))
		}
		return err
	})
	if err != nil {
		return "", false, "", fmt.Errorf(`fdbcli --exec "configure new single memory": %w`, err)
	}
	err = retry(ctx, func() error {
		out, err := execIn(ctx, c, "fdbcli", "-C", containerClusterFile, "--timeout", "5", "--exec", "status minimal")
		if strings.Contains(out, "The database is available") {
			return nil
		}
		if err == nil {
			err = errors.New(oneLine(out))
		}
		return err
	})
	if err != nil {
		return "", false, "", fmt.Errorf("waiting for the database to be available: %w", err)
	}

	// The client must reach the address the server publishes: Docker
	// Desktop and remote engines do not route to container IPs.
	coordinator := coordinatorOf(contents)
	conn, err := net.DialTimeout("tcp", coordinator, 5*time.Second)
	if err != nil {
		return "", false, fmt.Sprintf("a Docker engine whose containers this host reaches (%s started, but its address %s is unreachable: %v; try %s=host)",
			image(), coordinator, err, envNetwork), nil
	}
	conn.Close()

	dir, err := os.MkdirTemp("", "strata-fdb-test-")
	if err != nil {
		return "", false, "", err
	}
	atExit = append(atExit, func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "fdb.cluster")
	if err := os.WriteFile(path, []byte(contents+"\n"), 0o644); err != nil {
		return "", false, "", err
	}
	return path, true, "", nil
}

// execIn runs a command in the container and returns its output (stdout
// and stderr); a non-zero exit status is an error.
func execIn(ctx context.Context, c *testcontainers.DockerContainer, cmd ...string) (string, error) {
	code, r, err := c.Exec(ctx, cmd, tcexec.Multiplexed())
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return string(out), fmt.Errorf("%s: exit status %d: %s", strings.Join(cmd, " "), code, oneLine(string(out)))
	}
	return string(out), nil
}

// retry calls fn every second until it succeeds or ctx ends; the error is
// then fn's last.
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// coordinatorOf returns the first coordinator of a cluster file
// ("description:id@ip:port,..."), without a ":tls" suffix.
func coordinatorOf(clusterFile string) string {
	_, addrs, _ := strings.Cut(clusterFile, "@")
	first, _, _ := strings.Cut(addrs, ",")
	return strings.TrimSuffix(strings.TrimSpace(first), ":tls")
}

// freePort returns a TCP port free on this host at the time of the call.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestSmoke exercises the cluster as a user would, whatever source found
// it: tuple keys in a subspace, an atomic add, a versionstamped key, a
// range read and a clear, then the strata command moving a prefix from an
// embedded directory to the cluster with raw export and raw import.
func TestSmoke(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := fmt.Sprintf("%016x", rand.Uint64())
	ss := subspace.FromTuple(tuple.Tuple{"strata-fdb-smoke", run})
	full, err := ss.FullRange()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) {
			tx.ClearRange(full)
			return struct{}{}, nil
		})
	})

	rows := []tuple.Tuple{
		{"users", int64(42), "alice"},
		{"users", int64(-7), []byte{0, 1, 0xff}},
		{"floats", 3.5, true, nil},
		{"nested", tuple.Tuple{"a", int64(1)}, tuple.UUID{1, 2, 3}},
	}
	counter := ss.MustPack(tuple.Tuple{"counter"})
	vsKey, err := ss.PackWithVersionstamp(tuple.Tuple{"log", tuple.IncompleteVersionstamp(7)})
	if err != nil {
		t.Fatal(err)
	}
	var stampF layer.Future[[]byte]
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for i, r := range rows {
			tx.Set(ss.MustPack(r), []byte{byte(i)})
		}
		tx.Add(counter, []byte{5, 0, 0, 0, 0, 0, 0, 0})
		tx.Add(counter, []byte{2, 0, 0, 0, 0, 0, 0, 0})
		tx.SetVersionstampedKey(vsKey, []byte("stamped"))
		stampF = tx.GetVersionstamp()
		return struct{}{}, nil
	})
	if err != nil {
		t.Fatalf("writing: %v", err)
	}
	stamp, err := stampF.Get()
	if err != nil || len(stamp) != 10 {
		t.Fatalf("GetVersionstamp: %x, %v", stamp, err)
	}
	kvs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(ss.Range(), layer.RangeOptions{}).Slice()
	})
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	got := map[string][]byte{}
	for _, kv := range kvs {
		got[string(kv.Key)] = kv.Value
	}
	for i, r := range rows {
		if v, ok := got[string(ss.MustPack(r))]; !ok || !bytes.Equal(v, []byte{byte(i)}) {
			t.Errorf("row %v: %x, %v", r, v, ok)
		}
	}
	if v := got[string(counter)]; !bytes.Equal(v, []byte{7, 0, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("counter after adding 5 and 2: %x", v)
	}
	stamped := ss.MustPack(tuple.Tuple{"log", tuple.Versionstamp{TransactionVersion: [10]byte(stamp), UserVersion: 7}})
	if v := got[string(stamped)]; string(v) != "stamped" {
		t.Errorf("versionstamped key %x: %q (keys read: %d)", stamped, v, len(kvs))
	}
	if len(kvs) != len(rows)+2 {
		t.Errorf("read %d keys, want %d", len(kvs), len(rows)+2)
	}

	// raw export from an embedded directory, raw import into the cluster.
	dir := t.TempDir()
	src := filepath.Join(dir, "embedded")
	prefix := cli.FormatKey(ss.Sub("moved").Bytes())
	strata := func(stdin string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := cli.Run(ctx, append([]string{"strata"}, args...), strings.NewReader(stdin), &out, &errb)
		if code != 0 {
			t.Fatalf("strata %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	for i := range 25 {
		strata("", "--db", src, "raw", "set", cli.FormatKey(ss.Sub("moved").MustPack(tuple.Tuple{int64(i)})), fmt.Sprint("value ", i))
	}
	strata(strings.Repeat("x", layer.MaxValueSize), "--db", src, "raw", "set", "--value-file", "-", cli.FormatKey(ss.Sub("moved").MustPack(tuple.Tuple{"big"})))
	file := filepath.Join(dir, "moved.strata")
	strata("", "--db", src, "raw", "export", "--prefix", prefix, "--out", file)
	cluster := "fdb:" + shared.location
	strata("", "--db", cluster, "raw", "import", "--in", file)
	want := strata("", "--db", src, "raw", "range", "--prefix", prefix)
	if got := strata("", "--db", cluster, "raw", "range", "--prefix", prefix); got != want || strings.Count(got, "\n") != 27 {
		t.Errorf("the cluster's copy differs:\n%s\nwant:\n%s", got, want)
	}
	again := filepath.Join(dir, "again.strata")
	strata("", "--db", cluster, "raw", "export", "--prefix", prefix, "--out", again)
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Errorf("exporting the cluster's copy gives another file (%d and %d bytes)", len(a), len(b))
	}
}
