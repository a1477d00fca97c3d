package imaging

import (
	"bytes"
	"net/http"
)

// format is a picture format Sanitize accepts.
type format int

const (
	formatUnknown format = iota
	formatJPEG
	formatPNG
	formatWebP
)

var (
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
)

// sniff names the format of data from its leading bytes. Both the standard
// MIME sniffer and the format's own magic number must agree; a WebP file is
// "RIFF", a 4-byte length, then "WEBP".
func sniff(data []byte) format {
	ct := http.DetectContentType(data)
	switch {
	case ct == "image/jpeg" && bytes.HasPrefix(data, magicJPEG):
		return formatJPEG
	case ct == "image/png" && bytes.HasPrefix(data, magicPNG):
		return formatPNG
	case ct == "image/webp" && len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return formatWebP
	}
	return formatUnknown
}
