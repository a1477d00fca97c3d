// The buzzer on D8 (PB0), toggled from timer 2 in CTC mode. Arduino's tone()
// is not used: after its first tone ends it leaves timer 2 in PWM mode.
#pragma once

static volatile uint16_t buzzToggles;

ISR(TIMER2_COMPA_vect) {
  if (buzzToggles) {
    PORTB ^= 1 << PORTB0;
    buzzToggles--;
  } else {
    TIMSK2 &= ~(1 << OCIE2A);
    PORTB &= ~(1 << PORTB0);
  }
}

// beep sounds hz (31..20000) for ms milliseconds, without blocking.
static void beep(uint16_t hz, uint16_t ms) {
  static const uint16_t prescalers[] = {1, 8, 32, 64, 128, 256, 1024};
  uint8_t cs = 1;
  uint32_t ocr = 0;
  for (; cs <= 7; cs++) {
    ocr = F_CPU / (2UL * prescalers[cs - 1] * hz) - 1;
    if (ocr <= 255) break;
  }
  if (cs > 7) return;
  TIMSK2 &= ~(1 << OCIE2A);
  TCCR2A = 1 << WGM21;  // CTC
  TCCR2B = cs;
  OCR2A = (uint8_t)ocr;
  TCNT2 = 0;
  buzzToggles = (uint32_t)hz * ms / 500;
  TIMSK2 |= 1 << OCIE2A;
}
