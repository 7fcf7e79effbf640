// The add-header template filter (filters/add-header) on the proxy-wasm Go SDK: one configured
// header added to every response. Same configuration ({"name": ..., "value": ...}), same checks at
// configure time, same hot path as the AssemblyScript filter and its Rust twin
// (compat/rust-add-header), so `npm run bench:envoy` compares the SDKs, not the filters.
package main

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Standard Go's c-shared (reactor) build runs package initialisation from _initialize but never
// calls main, so the VM context is registered here.
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

type pluginContext struct {
	types.DefaultPluginContext
	name, value string
}

// isHeaderName: an RFC 9110 token (so no pseudo-header), as the AssemblyScript filter checks it.
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("cannot read the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	var cfg struct {
		Name  string  `json:"name"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		proxywasm.LogErrorf("invalid configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if !isHeaderName(cfg.Name) {
		proxywasm.LogError(`invalid configuration: field "name": expected an HTTP header name`)
		return types.OnPluginStartStatusFailed
	}
	if cfg.Value == nil || strings.ContainsAny(*cfg.Value, "\r\n\x00") {
		proxywasm.LogError(`invalid configuration: field "value": expected a header value without CR, LF or NUL`)
		return types.OnPluginStartStatusFailed
	}
	p.name, p.value = strings.ToLower(cfg.Name), *cfg.Value
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{plugin: p}
}

type httpContext struct {
	types.DefaultHttpContext
	plugin *pluginContext
}

func (h *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader(h.plugin.name, h.plugin.value); err != nil {
		proxywasm.LogErrorf("add %s: %v", h.plugin.name, err)
	}
	return types.ActionContinue
}
