// A minimal HD44780 driver: 4-bit writes only (R/W tied low), timed waits.
#pragma once

static void lcdPulse() {
  digitalWrite(PIN_LCD_E, HIGH);
  delayMicroseconds(1);
  digitalWrite(PIN_LCD_E, LOW);
  delayMicroseconds(50);
}

static void lcdNibble(uint8_t v) {
  digitalWrite(PIN_LCD_D4, v & 1);
  digitalWrite(PIN_LCD_D5, (v >> 1) & 1);
  digitalWrite(PIN_LCD_D6, (v >> 2) & 1);
  digitalWrite(PIN_LCD_D7, (v >> 3) & 1);
  lcdPulse();
}

static void lcdWrite(uint8_t v, uint8_t rs) {
  digitalWrite(PIN_LCD_RS, rs);
  lcdNibble(v >> 4);
  lcdNibble(v & 0x0F);
}

static void lcdCommand(uint8_t c) {
  lcdWrite(c, LOW);
  if (c <= 0x03) delay(2);  // clear and home take 1.5 ms
}

static void lcdInit() {
  pinMode(PIN_LCD_RS, OUTPUT);
  pinMode(PIN_LCD_E, OUTPUT);
  pinMode(PIN_LCD_D4, OUTPUT);
  pinMode(PIN_LCD_D5, OUTPUT);
  pinMode(PIN_LCD_D6, OUTPUT);
  pinMode(PIN_LCD_D7, OUTPUT);
  digitalWrite(PIN_LCD_E, LOW);
  digitalWrite(PIN_LCD_RS, LOW);
  delay(50);  // power-up
  lcdNibble(0x03);
  delay(5);
  lcdNibble(0x03);
  delayMicroseconds(150);
  lcdNibble(0x03);
  lcdNibble(0x02);      // 4-bit
  lcdCommand(0x28);     // 2 lines, 5x8
  lcdCommand(0x0C);     // display on, no cursor
  lcdCommand(0x06);     // increment, no shift
  lcdCommand(0x01);     // clear
}

// lcdLine writes exactly 16 characters (padded with spaces) on row 0 or 1.
static void lcdLine(uint8_t row, const char *s) {
  lcdCommand(0x80 | (row ? 0x40 : 0x00));
  uint8_t i = 0;
  for (; i < 16 && s[i]; i++) lcdWrite((uint8_t)s[i], HIGH);
  for (; i < 16; i++) lcdWrite(' ', HIGH);
}
