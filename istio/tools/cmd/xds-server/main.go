// xds-server serves Istio's xDS for the Istio resources in YAML files, with Istio's own
// control-plane code and without Kubernetes: pilot/test/xds's FakeDiscoveryServer (the
// discovery server Istio's own tests use, the translation istiod runs) on a TCP port, plaintext.
// The kit's end-to-end test puts pilot-agent and Envoy in front of it, so a WasmPlugin goes the
// whole way a cluster would take it: translation to ECDS, the agent's image pull, Envoy's load.
//
// Usage: xds-server -listen 127.0.0.1:15010 [-debug 127.0.0.1:15014] FILE.yaml...
//
// On SIGHUP it reads the files again and applies the difference to its config store — resources
// created, updated (keeping their creation time, which orders plugins of equal priority) and
// deleted — as a cluster's API server would feed istiod: the edit of a WasmPlugin reaches the
// proxies as an xDS push. It prints "xds-server: reloaded ..." once the store holds the new state.
//
// The control-plane features are read from the environment when the process starts (as istiod
// reads them); with upstream Envoy it needs PILOT_ENABLE_METADATA_EXCHANGE=false and
// PILOT_ENABLE_ALPN_FILTER=false (Istio's own Envoy filters are not in it). It prints
// "xds-server: serving ADDR" on stdout once the first push is committed, and stops on SIGINT or
// SIGTERM.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config"
)

// failer is the test.Failer FakeDiscoveryServer wants, for a process: a failure ends it (exit 1)
// after running the cleanups, which it also runs on a signal.
type failer struct{ cleanups []func() }

func (f *failer) Fail()    { f.FailNow() }
func (f *failer) FailNow() { f.cleanup(); os.Exit(1) }
func (f *failer) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"xds-server: fatal:"}, args...)...)
	f.FailNow()
}
func (f *failer) Fatalf(format string, a ...any) { f.Fatal(fmt.Sprintf(format, a...)) }
func (f *failer) Log(args ...any)                { fmt.Fprintln(os.Stderr, append([]any{"xds-server:"}, args...)...) }
func (f *failer) Logf(format string, a ...any)   { f.Log(fmt.Sprintf(format, a...)) }
func (f *failer) Helper()                        {}
func (f *failer) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *failer) Skip(args ...any)               { f.Fatal(append([]any{"skip:"}, args...)...) }
func (f *failer) TempDir() string {
	dir, err := os.MkdirTemp("", "xds-server-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func (f *failer) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:15010", "address of the xDS gRPC server (plaintext)")
	debug := flag.String("debug", "", "address to serve Istio's debug handlers on (/debug/configz, /debug/config_dump?proxyID=...), off when empty")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: xds-server -listen ADDR [-debug ADDR] FILE.yaml...")
		os.Exit(2)
	}
	text, err := readAll(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "xds-server:", err)
		os.Exit(2)
	}

	// what the files hold now: FakeDiscoveryServer creates it; a reload compares against it (the
	// store also holds what Istio derives, e.g. a WasmPlugin's TrafficExtension, which is not ours)
	if err := remember(text); err != nil {
		fmt.Fprintln(os.Stderr, "xds-server:", err)
		os.Exit(2)
	}
	t := &failer{}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		ConfigString:    text,
		ListenerBuilder: func() (net.Listener, error) { return net.Listen("tcp", *listen) },
	})
	if *debug != "" {
		l, err := net.Listen("tcp", *debug)
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = http.Serve(l, s.DiscoveryDebug) }()
	}
	fmt.Printf("xds-server: serving %s\n", s.Listener.Addr())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	for sig := range signals {
		if sig != syscall.SIGHUP {
			break
		}
		if err := reload(s, flag.Args()); err != nil {
			fmt.Printf("xds-server: reload failed: %v\n", err)
		}
	}
	t.cleanup()
}

func readAll(files []string) (string, error) {
	var docs []string
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		docs = append(docs, string(b))
	}
	return strings.Join(docs, "\n---\n"), nil
}

type key struct {
	gvk             config.GroupVersionKind
	name, namespace string
}

// loaded is what the last load put in the store (the files' resources), so a reload can tell
// which ones the files no longer hold
var loaded = map[key]bool{}

func remember(text string) error {
	configs, _, err := crd.ParseInputs(text)
	if err != nil {
		return err
	}
	for _, c := range configs {
		if c.Namespace == "" {
			c.Namespace = "default"
		}
		loaded[key{c.GroupVersionKind, c.Name, c.Namespace}] = true
	}
	return nil
}

func reload(s *xds.FakeDiscoveryServer, files []string) error {
	text, err := readAll(files)
	if err != nil {
		return err
	}
	configs, _, err := crd.ParseInputs(text)
	if err != nil {
		return err
	}
	store := s.Store()
	now := time.Now()
	seen := map[key]bool{}
	created, updated, deleted := 0, 0, 0
	for _, c := range configs {
		if c.Namespace == "" {
			c.Namespace = "default"
		}
		k := key{c.GroupVersionKind, c.Name, c.Namespace}
		seen[k] = true
		if old := store.Get(c.GroupVersionKind, c.Name, c.Namespace); old != nil {
			c.ResourceVersion = old.ResourceVersion
			c.CreationTimestamp = old.CreationTimestamp
			if _, err := store.Update(c); err != nil {
				return fmt.Errorf("update %s %s/%s: %v", c.GroupVersionKind.Kind, c.Namespace, c.Name, err)
			}
			updated++
		} else {
			c.CreationTimestamp = now
			if _, err := store.Create(c); err != nil {
				return fmt.Errorf("create %s %s/%s: %v", c.GroupVersionKind.Kind, c.Namespace, c.Name, err)
			}
			created++
		}
	}
	for k := range loaded {
		if seen[k] {
			continue
		}
		if err := store.Delete(k.gvk, k.name, k.namespace, nil); err != nil {
			return fmt.Errorf("delete %s %s/%s: %v", k.gvk.Kind, k.namespace, k.name, err)
		}
		deleted++
	}
	loaded = seen
	fmt.Printf("xds-server: reloaded %d resources (%d created, %d updated, %d deleted)\n", len(configs), created, updated, deleted)
	return nil
}
