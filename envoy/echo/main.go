// echo: the upstream behind Envoy in docker-compose.yml on machines that cannot pull an image.
// It answers every request with 200 and a JSON description of what it received (method, path,
// query, headers, body), so a test can check what the filter chain forwarded upstream.
// Standard library only; built statically (CGO_ENABLED=0) by scripts/build-echo-image.sh.
//
//	HTTP_PORT=8080 go run .   # then: curl -s localhost:8080/hello
package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
)

// echoed is the response body: the request as the server saw it.
type echoed struct {
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Query    string              `json:"query"`
	Host     string              `json:"host"`
	Headers  map[string][]string `json:"headers"` // canonical names, as Go parses them
	Body     string              `json:"body"`
	Hostname string              `json:"hostname"` // the container's name: proves which upstream answered
}

func handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // 1 MiB is plenty for a test upstream
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	host, _ := os.Hostname()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(echoed{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		Headers: r.Header, Body: string(body), Hostname: host,
	})
}

func main() {
	port := os.Getenv("HTTP_PORT") // the variable mendhak/http-https-echo reads too
	if port == "" {
		port = "8080"
	}
	log.Printf("echo: listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, http.HandlerFunc(handle)))
}
