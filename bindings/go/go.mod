module hvsup/bindings/go

go 1.19
