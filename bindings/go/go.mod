module github.com/hvsup/hvsup/bindings/go

go 1.19
