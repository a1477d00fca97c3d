package app

import (
	"io"
	"os"
)

// stdin is where user create reads a password; tests replace it.
var stdin io.Reader = os.Stdin
