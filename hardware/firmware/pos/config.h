// Pins, parts and timings of the Illuwa POS box (docs/pos.md has the wiring).
#pragma once

// 16x2 HD44780 character LCD, 4-bit mode, R/W tied to ground.
#define PIN_LCD_RS 7
#define PIN_LCD_E 6
#define PIN_LCD_D4 5
#define PIN_LCD_D5 4
#define PIN_LCD_D6 3
#define PIN_LCD_D7 2

// Buttons to ground (internal pull-ups), on A0..A3.
#define PIN_BTN_ACCEPT A0
#define PIN_BTN_REJECT A1
#define PIN_BTN_READY A2
#define PIN_BTN_NEXT A3

// Passive piezo buzzer (tone() on timer 2).
#define PIN_BUZZER 8

// MFRC522 on the hardware SPI: SS=D10, MOSI=D11, MISO=D12, SCK=D13, RST=D9.
#define PIN_RFID_SS 10
#define PIN_RFID_RST 9

#define SERIAL_BAUD 115200UL
#define FIRMWARE_NAME "illuwa-pos/1"

#define QUEUE_SLOTS 8      // orders held at once (new and accepted)
#define SEEN_IDS 24        // ids remembered after they left the queue
#define SUMMARY_LEN 16     // characters of the item summary kept (one LCD line)
#define OUTBOX_SLOTS 4     // box-to-host events waiting for an ack
#define READY_MINUTES 10   // the estimate sent with accept

#define ACK_TIMEOUT_MS 400UL     // resend an unacknowledged frame after this
#define SLOW_RETRY_MS 2000UL     // after RETRY_FAST attempts, resend this often
#define RETRY_FAST 8
#define HOST_SILENT_MS 10000UL   // no frame from the host this long: "no host"
#define DEBOUNCE_MS 30UL
#define CARD_POLL_MS 200UL
#define CARD_REPEAT_MS 2000UL    // the same card again within this is one tap
#define NOTICE_MS 2000UL         // a notice (payment, card) stays this long

// SipHash key of card tokens (hardware.DefaultCardKey); override with
// -DCARD_KEY='{...16 bytes...}'.
#ifndef CARD_KEY
#define CARD_KEY {'i','l','l','u','w','a','-','c','a','r','d','-','k','e','y','1'}
#endif
