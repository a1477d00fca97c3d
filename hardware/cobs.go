package hardware

import "errors"

// errCOBS reports bytes that are not a valid COBS encoding.
var errCOBS = errors.New("invalid COBS encoding")

// cobsEncode appends the Consistent Overhead Byte Stuffing encoding of src to
// dst: the result holds no 0x00 byte and is at most len(src)/254+1 bytes
// longer than src. The frame delimiter (0x00) is not appended.
func cobsEncode(dst, src []byte) []byte {
	codeAt := len(dst)
	dst = append(dst, 0)
	code := byte(1)
	for _, b := range src {
		if b == 0 {
			dst[codeAt] = code
			codeAt = len(dst)
			dst = append(dst, 0)
			code = 1
			continue
		}
		dst = append(dst, b)
		code++
		if code == 0xFF {
			dst[codeAt] = code
			codeAt = len(dst)
			dst = append(dst, 0)
			code = 1
		}
	}
	dst[codeAt] = code
	return dst
}

// cobsDecode appends the decoding of src (one COBS block, without its 0x00
// delimiter) to dst. It fails on a 0x00 inside src or a code byte that points
// past the end.
func cobsDecode(dst, src []byte) ([]byte, error) {
	for i := 0; i < len(src); {
		code := int(src[i])
		if code == 0 || i+code > len(src) {
			return dst, errCOBS
		}
		for _, b := range src[i+1 : i+code] {
			if b == 0 {
				return dst, errCOBS
			}
		}
		dst = append(dst, src[i+1:i+code]...)
		i += code
		if code != 0xFF && i < len(src) {
			dst = append(dst, 0)
		}
	}
	return dst, nil
}
