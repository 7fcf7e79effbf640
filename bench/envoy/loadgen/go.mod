module filterkit/bench/loadgen

go 1.21
