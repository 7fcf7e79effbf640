// An open-loop HTTP/1.1 load generator for npm run bench:envoy: requests are scheduled at a fixed
// rate whatever the answers do, and each one's latency is measured from when it was due, not from
// when a connection was free to send it (wrk's closed loop hides a slow proxy behind its own
// waiting: "coordinated omission"). Keep-alive connections, the request written as raw bytes and
// the answer read by its Content-Length, so the generator's own cost stays small. Prints one JSON
// object: {"due", "done", "errors", "p50_us", "p99_us", "p999_us", "max_us"}. Standard library only.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:10000", "host:port of the proxy")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 5*time.Second, "how long to send")
	conns := flag.Int("connections", 32, "keep-alive connections")
	var headers headerList
	flag.Var(&headers, "H", "a request header \"name: value\" (repeatable)")
	flag.Parse()

	req := "GET / HTTP/1.1\r\nhost: bench\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	req = req + "\r\n"

	due := make(chan time.Time, 1<<16)
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c net.Conn
			var r *bufio.Reader
			for t := range due {
				if c == nil {
					var err error
					if c, err = net.Dial("tcp", *addr); err != nil {
						mu.Lock()
						errors++
						mu.Unlock()
						c = nil
						continue
					}
					r = bufio.NewReader(c)
				}
				if err := roundTrip(c, r, req); err != nil {
					c.Close()
					c = nil
					mu.Lock()
					errors++
					mu.Unlock()
					continue
				}
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	n := 0
	for next := start; next.Sub(start) < *duration; next = start.Add(time.Duration(n) * interval) {
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
		due <- next
		n++
	}
	close(due)
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) int64 {
		if len(lat) == 0 {
			return -1
		}
		i := int(p * float64(len(lat)-1))
		return lat[i].Microseconds()
	}
	out := map[string]int64{"due": int64(n), "done": int64(len(lat)), "errors": int64(errors), "p50_us": pct(0.50), "p99_us": pct(0.99), "p999_us": pct(0.999), "max_us": pct(1)}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// roundTrip writes one request and reads its answer: a status line, headers, Content-Length bytes.
func roundTrip(c net.Conn, r *bufio.Reader, req string) error {
	if _, err := c.Write([]byte(req)); err != nil {
		return err
	}
	status, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200") {
		return fmt.Errorf("status %q", strings.TrimSpace(status))
	}
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return err
			}
		}
	}
	_, err = r.Discard(length)
	return err
}
