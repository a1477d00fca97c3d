package handlers

import (
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
)

// PaymentProvider is the card payment gateway (see ordering.Provider).
type PaymentProvider = ordering.Provider

// Pusher sends real-time hints to users' screens (see notify.Pusher).
type Pusher = notify.Pusher
