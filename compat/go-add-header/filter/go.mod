module filterkit.local/compat/go-add-header/filter

go 1.24

require github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0

// The proxy-wasm Go SDK v0.24.0 as compat/go-sdk adapts it for standard Go's wasip1 target
// (`bash compat/go-sdk/build.sh --sdk-only` writes the copy below; ../build.sh runs it).
replace github.com/tetratelabs/proxy-wasm-go-sdk => ../../../.cache/go-sdk-adapted
