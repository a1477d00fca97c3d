package bridge

import (
	"bytes"
	"fmt"
	"time"
)

// ticket renders one order as ESC/POS bytes: initialise, the pickup number
// in double size, the items, the total, the time, feed and cut.
func ticket(o *order, at time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("\x1b@")     // ESC @: initialise
	b.WriteString("\x1ba\x01") // ESC a 1: centre
	b.WriteString("\x1d!\x11") // GS ! 0x11: double width and height
	fmt.Fprintf(&b, "#%03d\n", o.pickup())
	b.WriteString("\x1d!\x00\x1ba\x00") // normal size, left
	fmt.Fprintf(&b, "order %d\n", o.ID)
	for _, it := range o.Items {
		fmt.Fprintf(&b, "%2d x %-20.20s %7d\n", it.Quantity, ASCII(it.Name), it.LineTotal)
	}
	fmt.Fprintf(&b, "%-25s %7d\n", "TOTAL (KRW)", o.Total)
	if o.ReadyInMinutes != nil {
		fmt.Fprintf(&b, "ready in %d min\n", *o.ReadyInMinutes)
	}
	fmt.Fprintf(&b, "%s\n", at.In(kst).Format("2006-01-02 15:04"))
	b.WriteString("\n\n\n\x1dV\x01") // feed, GS V 1: partial cut
	return b.Bytes()
}

var kst = time.FixedZone("KST", 9*3600)
