// istio-fetch pulls a Wasm image from an OCI registry the way Istio's agent (pilot-agent) does, so
// the kit's tests can compare what `filterkit package --push` pushed with what Istio would load.
// It imports Istio's own fetcher (istio.io/istio/pkg/wasm) rather than reimplementing it: the kit's
// images are judged by Istio's code, not ours. Built by scripts/build-istio-tools.sh.
//
//	istio-fetch [--insecure] [--docker-config FILE] [--out FILE] REF
//
// REF is what the agent passes to PrepareFetch for a WasmPlugin url oci://REF (host + path, no
// scheme), e.g. 127.0.0.1:5000/filters/add-header:0.1.0. --docker-config is a dockerconfigjson
// file, given to the fetcher as the agent gives it an imagePullSecret; without it the fetcher uses
// the default keychain ($HOME/.docker/config.json, $DOCKER_CONFIG, ...). --out receives the module.
// Prints one JSON line: {"manifestDigest": "<hex>", "bytes": N, "sha256": "<hex of the module>"}.
// Errors go to stderr with exit code 1.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"istio.io/istio/pkg/log"
	"istio.io/istio/pkg/wasm"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "istio-fetch:", err)
		os.Exit(1)
	}
}

func run() error {
	insecure := flag.Bool("insecure", false, "skip TLS verification (the agent's WASM_INSECURE_REGISTRIES)")
	dockerConfig := flag.String("docker-config", "", "dockerconfigjson file used as the image pull secret")
	out := flag.String("out", "", "write the module's bytes to this file")
	flag.Parse()
	if flag.NArg() != 1 {
		return fmt.Errorf("usage: istio-fetch [--insecure] [--docker-config FILE] [--out FILE] REF")
	}
	ref := flag.Arg(0)

	// Istio's logger writes to stdout by default; keep stdout for the JSON line.
	opts := log.DefaultOptions()
	opts.OutputPaths = []string{"stderr"}
	if err := log.Configure(opts); err != nil {
		return fmt.Errorf("configuring Istio's logger: %v", err)
	}

	fetchOpt := wasm.ImageFetcherOption{Insecure: *insecure}
	if *dockerConfig != "" {
		secret, err := os.ReadFile(*dockerConfig)
		if err != nil {
			return err
		}
		fetchOpt.PullSecret = secret
	}

	// The agent's timeout for a fetch: the WasmPlugin's http_uri timeout, always 30 s (pkg/wasm/convert.go).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fetchBinary, manifestDigest, err := wasm.NewImageFetcher(ctx, fetchOpt).PrepareFetch(ref)
	if err != nil {
		// the agent's wording (pkg/wasm/cache.go getOrFetch)
		return fmt.Errorf("could not fetch Wasm OCI image: %v", err)
	}
	module, err := fetchBinary()
	if err != nil {
		return fmt.Errorf("could not fetch Wasm binary: %v", err)
	}
	// The agent's next check (cache.go isValidWasmBinary, unexported): at least 8 bytes starting with \0asm.
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) {
		return fmt.Errorf("fetched Wasm binary from oci://%s is invalid", ref)
	}

	if *out != "" {
		if err := os.WriteFile(*out, module, 0o644); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(module)
	line, err := json.Marshal(struct {
		ManifestDigest string `json:"manifestDigest"`
		Bytes          int    `json:"bytes"`
		SHA256         string `json:"sha256"`
	}{manifestDigest, len(module), hex.EncodeToString(sum[:])})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}
