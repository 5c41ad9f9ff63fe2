package qtasks_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"google.golang.org/grpc"
)

// addr is the address of the broker that TestMain starts for the whole package.
var addr string

func TestMain(m *testing.M) {
	b, err := startBroker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "qtasks tests:", err)
		os.Exit(1)
	}
	addr = b.addr
	code := m.Run()
	b.stop()
	os.Exit(code)
}

// brokerProcess is a qtasks-broker child process with its own data directory.
type brokerProcess struct {
	addr    string
	cmd     *exec.Cmd
	dataDir string
	stderr  *lockedBuffer
}

// repoRoot walks up from the working directory to the monorepo's root: the directory whose
// package.json declares workspaces.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err == nil {
			var pkg struct {
				Workspaces json.RawMessage `json:"workspaces"`
			}
			if json.Unmarshal(data, &pkg) == nil && len(pkg.Workspaces) > 0 {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (a package.json with workspaces) above the working directory")
		}
		dir = parent
	}
}

var listening = regexp.MustCompile(`qtasks-broker listening on (\S+)`)

// startBroker starts `node server/bin/qtasks-broker.js` on a free port with a temporary data
// directory and waits for its "listening on" line.
func startBroker(extraArgs ...string) (*brokerProcess, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "server", "dist", "main.js")); err != nil {
		return nil, fmt.Errorf("the broker is not built (%s/server/dist/main.js is missing): run npm run build in %s", root, root)
	}
	dataDir, err := os.MkdirTemp("", "qtasks-go-test-")
	if err != nil {
		return nil, err
	}
	args := append([]string{filepath.Join(root, "server", "bin", "qtasks-broker.js"),
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--durability", "commit"}, extraArgs...)
	cmd := exec.Command("node", args...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, fmt.Errorf("starting node: %w", err)
	}
	b := &brokerProcess{cmd: cmd, dataDir: dataDir, stderr: stderr}
	found := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if m := listening.FindStringSubmatch(scanner.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(found)
	}()
	select {
	case address, ok := <-found:
		if !ok {
			b.stop()
			return nil, fmt.Errorf("qtasks-broker exited before listening:\n%s", stderr.String())
		}
		b.addr = address
		return b, nil
	case <-time.After(30 * time.Second):
		b.stop()
		return nil, fmt.Errorf("qtasks-broker did not listen within 30 s:\n%s", stderr.String())
	}
}

// stop kills the broker and deletes its data directory.
func (b *brokerProcess) stop() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	_ = os.RemoveAll(b.dataDir)
}

// startTestBroker starts a broker of its own for one test.
func startTestBroker(t *testing.T, args ...string) *brokerProcess {
	t.Helper()
	b, err := startBroker(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.stop)
	return b
}

type lockedBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

// dial connects a client to address and closes it at the end of the test.
func dial(t *testing.T, address string, opts ...qtasks.Option) *qtasks.Client {
	t.Helper()
	c, err := qtasks.Dial(address, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var uniqueCounter atomic.Int64

// unique is a task name (and queue) no other test uses, even across runs on one broker.
func unique(t *testing.T, what string) string {
	return fmt.Sprintf("go.%s.%s.%d.%d", strings.ReplaceAll(t.Name(), "/", "."), what, time.Now().UnixNano(), uniqueCounter.Add(1))
}

// testContext is a context that ends with the test or after d, whichever comes first.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// runWorker runs w until the returned stop function is called; stop waits for Run to return
// and fails the test if it returned an error or took longer than 20 s.
func runWorker(t *testing.T, w *qtasks.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-returned:
				if err != nil {
					t.Errorf("Worker.Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Worker.Run did not return within 20 s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// rpcCounter counts the unary RPCs a client makes, by method, and their failures.
type rpcCounter struct {
	mu     sync.Mutex
	calls  map[string]int
	failed map[string]int
}

func newRPCCounter() *rpcCounter {
	return &rpcCounter{calls: map[string]int{}, failed: map[string]int{}}
}

func (r *rpcCounter) option() qtasks.Option {
	return qtasks.WithDialOptions(grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		name := method[strings.LastIndexByte(method, '/')+1:]
		r.mu.Lock()
		r.calls[name]++
		if err != nil {
			r.failed[name]++
		}
		r.mu.Unlock()
		return err
	}))
}

func (r *rpcCounter) count(method string) (calls, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[method], r.failed[method]
}
