module filterkit.local/compat/go-sdk/filter

go 1.24

require github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0

// The proxy-wasm Go SDK v0.24.0 (the last release under its tetratelabs name), adapted for
// standard Go's wasip1 target by ../build.sh (../adapt): it writes the copy below. Build with
// `bash compat/go-sdk/build.sh`; a plain `go build` here fails until that copy exists.
replace github.com/tetratelabs/proxy-wasm-go-sdk => ../../../.cache/go-sdk-adapted
