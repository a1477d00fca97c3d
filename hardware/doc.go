// Package hardware is the Go side of the Illuwa POS box: the serial protocol
// spoken between the box (an Arduino Uno running hardware/firmware) and the
// computer beside it that runs `illuwa pos-bridge` (hardware/bridge).
//
// The wire format is documented byte by byte in docs/pos-protocol.md:
//
//	raw frame = type(1) seq(1) payload(0..MaxPayload) crc16(2, big-endian)
//	on the wire = COBS(raw frame) 0x00
//
// The codec (AppendFrame, WriteFrame, Reader, Encode, Decode) is pure
// functions over bytes, io.Reader and io.Writer; Link adds the reliable part
// (acknowledgements, retransmission after a timeout, duplicates dropped by
// sequence number) over any io.ReadWriter, which a serial port satisfies.
//
// This package speaks to nothing else of Illuwa: it imports no server
// package, and the bridge talks to the server over HTTP and WebSocket only.
package hardware
