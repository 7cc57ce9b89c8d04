module example.com/microagent

go 1.19

require github.com/hvsup/hvsup/bindings/go v0.0.0

// This example lives in the hvsup repository; a project of your own drops this line and
// requires a released version instead.
replace github.com/hvsup/hvsup/bindings/go => ../..
