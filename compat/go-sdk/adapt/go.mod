module filterkit.local/go-sdk-adapt

go 1.24
