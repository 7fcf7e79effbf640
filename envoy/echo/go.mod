module filterkit/envoy/echo

go 1.21
