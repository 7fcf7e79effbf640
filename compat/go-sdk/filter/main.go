// A small HTTP filter written against the public API of the proxy-wasm Go SDK
// (github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0). compat/go-sdk/go-sdk.test.ts runs it on
// host-mock to prove that a module built by standard Go from this SDK behaves as Envoy expects.
//
// Configuration (JSON, plugin configuration):
//
//	{ "add": {"name": "x-added", "value": "yes"},   // appended to every request
//	  "remove": "x-internal",                       // removed from every request
//	  "tick_ms": 1000 }                             // tick period (0: no ticks)
//
// Per request: `x-filter: go-sdk` replaces any client value, `add` is appended, `remove` is
// removed, the shared-data counter "requests" is incremented with compare-and-swap and sent
// upstream as `x-request-count`; then the request waits for GET /check on cluster "auth":
// 200 lets it go on, anything else (or a failed call) answers 403 locally.
// Per tick: the counter metric "go_sdk_ticks" is incremented, the shared-data key "ticks"
// records the count and the tick is logged.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Standard Go's c-shared (reactor) build runs package initialisation from _initialize but never
// calls main, so the VM context is registered here (TinyGo filters do it in main).
func init() {
	proxywasm.SetVMContext(&vmContext{})
}

func main() {}

type vmContext struct {
	types.DefaultVMContext
}

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{}
}

type headerPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type config struct {
	Add    *headerPair `json:"add"`
	Remove string      `json:"remove"`
	TickMs *uint32     `json:"tick_ms"`
}

type pluginContext struct {
	types.DefaultPluginContext
	cfg   config
	ticks proxywasm.MetricCounter
	count uint64
}

// parseConfig returns the configuration or an error naming what is wrong with it.
func parseConfig(raw []byte) (config, error) {
	var cfg config
	if len(raw) == 0 {
		return cfg, errors.New("the plugin configuration is empty")
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, fmt.Errorf("the plugin configuration is not valid JSON: %v", err)
	}
	if cfg.Add == nil || cfg.Add.Name == "" {
		return cfg, errors.New(`field "add.name" is missing or empty`)
	}
	if cfg.TickMs == nil {
		return cfg, errors.New(`field "tick_ms" is missing`)
	}
	return cfg, nil
}

func (p *pluginContext) OnPluginStart(pluginConfigurationSize int) types.OnPluginStartStatus {
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("cannot read the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	cfg, err := parseConfig(raw)
	if err != nil {
		proxywasm.LogErrorf("invalid plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	p.cfg = cfg
	p.ticks = proxywasm.DefineCounterMetric("go_sdk_ticks")
	if err := proxywasm.SetTickPeriodMilliSeconds(*cfg.TickMs); err != nil {
		proxywasm.LogErrorf("cannot set the tick period: %v", err)
		return types.OnPluginStartStatusFailed
	}
	proxywasm.LogInfof("configured: add %s, remove %q, tick every %d ms", cfg.Add.Name, cfg.Remove, *cfg.TickMs)
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) OnTick() {
	p.count++
	p.ticks.Increment(1)
	if err := proxywasm.SetSharedData("ticks", []byte(strconv.FormatUint(p.count, 10)), 0); err != nil {
		proxywasm.LogErrorf("cannot record tick %d: %v", p.count, err)
	}
	proxywasm.LogInfof("tick %d", p.count)
}

func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{cfg: &p.cfg}
}

// incrementShared adds one to a decimal counter in shared data with compare-and-swap: another VM
// writing the key between our read and our write makes the write fail with CasMismatch, and we
// read again.
func incrementShared(key string) (uint64, error) {
	for attempt := 1; attempt <= 8; attempt++ {
		value, cas, err := proxywasm.GetSharedData(key)
		var n uint64
		switch {
		case err == nil:
			if n, err = strconv.ParseUint(string(value), 10, 64); err != nil {
				return 0, fmt.Errorf("shared data %q holds %q, not a counter", key, value)
			}
		case errors.Is(err, types.ErrorStatusNotFound):
			cas = 0
		default:
			return 0, err
		}
		err = proxywasm.SetSharedData(key, []byte(strconv.FormatUint(n+1, 10)), cas)
		if err == nil {
			return n + 1, nil
		}
		if !errors.Is(err, types.ErrorStatusCasMismatch) {
			return 0, err
		}
		proxywasm.LogWarnf("shared data %q changed under us (cas %d, attempt %d); retrying", key, cas, attempt)
	}
	return 0, fmt.Errorf("shared data %q: too many CAS conflicts", key)
}

type httpContext struct {
	types.DefaultHttpContext
	cfg *config
}

func (h *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	if err := proxywasm.ReplaceHttpRequestHeader("x-filter", "go-sdk"); err != nil {
		proxywasm.LogErrorf("replace x-filter: %v", err)
	}
	if err := proxywasm.AddHttpRequestHeader(h.cfg.Add.Name, h.cfg.Add.Value); err != nil {
		proxywasm.LogErrorf("add %s: %v", h.cfg.Add.Name, err)
	}
	if h.cfg.Remove != "" {
		if err := proxywasm.RemoveHttpRequestHeader(h.cfg.Remove); err != nil {
			proxywasm.LogErrorf("remove %s: %v", h.cfg.Remove, err)
		}
	}
	n, err := incrementShared("requests")
	if err != nil {
		proxywasm.LogErrorf("request counter: %v", err)
	} else if err := proxywasm.AddHttpRequestHeader("x-request-count", strconv.FormatUint(n, 10)); err != nil {
		proxywasm.LogErrorf("add x-request-count: %v", err)
	}

	authorization, _ := proxywasm.GetHttpRequestHeader("authorization")
	headers := [][2]string{{":method", "GET"}, {":path", "/check"}, {":authority", "auth"}}
	if authorization != "" {
		headers = append(headers, [2]string{"authorization", authorization})
	}
	if _, err := proxywasm.DispatchHttpCall("auth", headers, nil, nil, 1000, h.onAuthResponse); err != nil {
		proxywasm.LogErrorf("auth call not sent: %v", err)
		h.deny("auth call not sent")
	}
	return types.ActionPause
}

func (h *httpContext) onAuthResponse(numHeaders, bodySize, numTrailers int) {
	if numHeaders == 0 { // a reset or a failed connection: no response at all
		proxywasm.LogWarn("auth call failed: no response")
		h.deny("auth unavailable")
		return
	}
	headers, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		proxywasm.LogErrorf("auth response headers: %v", err)
		h.deny("auth unreadable")
		return
	}
	status := ""
	for _, kv := range headers {
		if kv[0] == ":status" {
			status = kv[1]
		}
	}
	if status == "200" {
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("resume: %v", err)
		}
		return
	}
	body := ""
	if bodySize > 0 {
		if b, err := proxywasm.GetHttpCallResponseBody(0, bodySize); err == nil {
			body = ": " + string(b)
		}
	}
	proxywasm.LogInfof("auth answered %s; denying", status)
	h.deny("denied by auth (" + status + ")" + body)
}

func (h *httpContext) deny(reason string) {
	if err := proxywasm.SendHttpResponse(403, [][2]string{{"x-denied-by", "go-sdk"}}, []byte(reason), -1); err != nil {
		proxywasm.LogErrorf("local reply: %v", err)
	}
}

func (h *httpContext) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader("x-go-sdk", "v0.24.0"); err != nil {
		proxywasm.LogErrorf("add x-go-sdk: %v", err)
	}
	return types.ActionContinue
}
