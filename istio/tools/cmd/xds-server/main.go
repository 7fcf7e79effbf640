// xds-server serves Istio's xDS for the Istio resources in YAML files, with Istio's own
// control-plane code and without Kubernetes: pilot/test/xds's FakeDiscoveryServer (the
// discovery server Istio's own tests use, the translation istiod runs) on a TCP port, plaintext.
// The kit's end-to-end test puts pilot-agent and Envoy in front of it, so a WasmPlugin goes the
// whole way a cluster would take it: translation to ECDS, the agent's image pull, Envoy's load.
//
// Usage: xds-server -listen 127.0.0.1:15010 [-debug 127.0.0.1:15014] FILE.yaml...
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

	"istio.io/istio/pilot/test/xds"
)

// failer is the test.Failer FakeDiscoveryServer wants, for a process: a failure ends it (exit 1)
// after running the cleanups, which it also runs on a signal.
type failer struct{ cleanups []func() }

func (f *failer) Fail()                          { f.FailNow() }
func (f *failer) FailNow()                       { f.cleanup(); os.Exit(1) }
func (f *failer) Fatal(args ...any)              { fmt.Fprintln(os.Stderr, append([]any{"xds-server: fatal:"}, args...)...); f.FailNow() }
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
	var docs []string
	for _, file := range flag.Args() {
		b, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "xds-server:", err)
			os.Exit(2)
		}
		docs = append(docs, string(b))
	}

	t := &failer{}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		ConfigString:    strings.Join(docs, "\n---\n"),
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

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	t.cleanup()
}
