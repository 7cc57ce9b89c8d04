// SPDX-License-Identifier: MIT
package hvsup_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// *Error speaks the standard library's errors (no library needed: runs with and without cgo).
func TestErrorMatchesStandardErrors(t *testing.T) {
	notFound := &hvsup.Error{Code: hvsup.StatusNotFound, Message: "read /x: no such file or directory"}
	enoent := &hvsup.Error{Code: hvsup.StatusIO, SystemCode: 2}  // ENOENT / ERROR_FILE_NOT_FOUND
	denied := &hvsup.Error{Code: hvsup.StatusIO, SystemCode: 13} // EACCES
	cases := []struct {
		err    error
		target error
		want   bool
	}{
		{notFound, os.ErrNotExist, true},
		{notFound, fs.ErrNotExist, true},
		{notFound, hvsup.ErrNotFound, true},
		{enoent, os.ErrNotExist, true},
		{&hvsup.Error{Code: hvsup.StatusConflict}, os.ErrNotExist, false},
		{&hvsup.Error{Code: hvsup.StatusCancelled, Cause: context.Canceled}, context.Canceled, true},
		{&hvsup.Error{Code: hvsup.StatusIO}, os.ErrNotExist, false},
	}
	if os.PathSeparator == '/' { // errno 13 is EACCES on POSIX only
		cases = append(cases, struct {
			err    error
			target error
			want   bool
		}{denied, os.ErrPermission, true})
	}
	for _, c := range cases {
		if got := errors.Is(c.err, c.target); got != c.want {
			t.Errorf("errors.Is(%#v, %v) = %v", c.err, c.target, got)
		}
	}
}
