// A minimal MFRC522 driver on the hardware SPI: enough to read the 4-byte
// UID of an ISO 14443A card (REQA, anticollision of cascade level 1, HLTA).
#pragma once

enum {
  RC_CommandReg = 0x01, RC_ComIrqReg = 0x04, RC_ErrorReg = 0x06, RC_FIFODataReg = 0x09,
  RC_FIFOLevelReg = 0x0A, RC_ControlReg = 0x0C, RC_BitFramingReg = 0x0D, RC_CollReg = 0x0E,
  RC_ModeReg = 0x11, RC_TxControlReg = 0x14, RC_TxASKReg = 0x15, RC_TModeReg = 0x2A,
  RC_TPrescalerReg = 0x2B, RC_TReloadRegH = 0x2C, RC_TReloadRegL = 0x2D, RC_VersionReg = 0x37,
};
enum { RC_Idle = 0x00, RC_Transceive = 0x0C, RC_SoftReset = 0x0F };

static uint8_t spiTransfer(uint8_t v) {
  SPDR = v;
  while (!(SPSR & (1 << SPIF))) {
  }
  return SPDR;
}

static void rcWrite(uint8_t reg, uint8_t v) {
  digitalWrite(PIN_RFID_SS, LOW);
  spiTransfer((reg << 1) & 0x7E);
  spiTransfer(v);
  digitalWrite(PIN_RFID_SS, HIGH);
}

static uint8_t rcRead(uint8_t reg) {
  digitalWrite(PIN_RFID_SS, LOW);
  spiTransfer(((reg << 1) & 0x7E) | 0x80);
  uint8_t v = spiTransfer(0);
  digitalWrite(PIN_RFID_SS, HIGH);
  return v;
}

// rcInit resets the reader and reports whether it answered with a known version.
static bool rcInit() {
  pinMode(PIN_RFID_SS, OUTPUT);
  digitalWrite(PIN_RFID_SS, HIGH);
  pinMode(PIN_RFID_RST, OUTPUT);
  digitalWrite(PIN_RFID_RST, HIGH);
  pinMode(11, OUTPUT);  // MOSI
  pinMode(13, OUTPUT);  // SCK
  pinMode(12, INPUT);   // MISO
  SPCR = (1 << SPE) | (1 << MSTR) | (1 << SPR0);  // master, mode 0, 1 MHz
  rcWrite(RC_CommandReg, RC_SoftReset);
  delay(50);
  rcWrite(RC_TModeReg, 0x80);  // timer starts after each transmission: ~25 ms timeout
  rcWrite(RC_TPrescalerReg, 0xA9);
  rcWrite(RC_TReloadRegH, 0x03);
  rcWrite(RC_TReloadRegL, 0xE8);
  rcWrite(RC_TxASKReg, 0x40);  // 100% ASK
  rcWrite(RC_ModeReg, 0x3D);   // CRC preset 0x6363
  rcWrite(RC_TxControlReg, rcRead(RC_TxControlReg) | 0x03);  // antenna on
  uint8_t v = rcRead(RC_VersionReg);
  return v == 0x88 || v == 0x90 || v == 0x91 || v == 0x92 || v == 0xB2;
}

// rcTransceive sends n bytes (the last with bits valid bits, 0 = 8) and reads
// the answer into back (at most max bytes). Returns the answer's length, or
// -1 on timeout or error.
static int8_t rcTransceive(const uint8_t *send, uint8_t n, uint8_t bits, uint8_t *back, uint8_t max) {
  rcWrite(RC_CommandReg, RC_Idle);
  rcWrite(RC_ComIrqReg, 0x7F);       // clear every interrupt request
  rcWrite(RC_FIFOLevelReg, 0x80);    // flush the FIFO
  for (uint8_t i = 0; i < n; i++) rcWrite(RC_FIFODataReg, send[i]);
  rcWrite(RC_BitFramingReg, bits & 0x07);
  rcWrite(RC_CommandReg, RC_Transceive);
  rcWrite(RC_BitFramingReg, 0x80 | (bits & 0x07));  // StartSend
  uint8_t irq = 0;
  for (uint16_t i = 0; i < 2000; i++) {
    irq = rcRead(RC_ComIrqReg);
    if (irq & 0x30) break;       // RxIRq or IdleIRq: done
    if (irq & 0x01) return -1;   // TimerIRq: no card answered
  }
  rcWrite(RC_BitFramingReg, 0);
  if (!(irq & 0x30) || (rcRead(RC_ErrorReg) & 0x13)) return -1;  // BufferOvfl, Parity, Protocol
  uint8_t len = rcRead(RC_FIFOLevelReg);
  if (len > max) return -1;
  for (uint8_t i = 0; i < len; i++) back[i] = rcRead(RC_FIFODataReg);
  return (int8_t)len;
}

// crcA appends the ISO 14443A CRC of p[0..n) at p[n], p[n+1].
static void crcA(uint8_t *p, uint8_t n) {
  uint16_t crc = 0x6363;
  for (uint8_t i = 0; i < n; i++) {
    uint8_t b = p[i] ^ (uint8_t)crc;
    b ^= b << 4;
    crc = (crc >> 8) ^ ((uint16_t)b << 8) ^ ((uint16_t)b << 3) ^ (b >> 4);
  }
  p[n] = (uint8_t)crc;
  p[n + 1] = (uint8_t)(crc >> 8);
}

// rcReadUID looks for a card in the field; on success it fills uid (4 bytes)
// and halts the card, so it is reported again only after it left the field.
static bool rcReadUID(uint8_t *uid) {
  uint8_t buf[5];
  uint8_t reqa = 0x26;
  if (rcTransceive(&reqa, 1, 7, buf, sizeof buf) != 2) return false;
  rcWrite(RC_CollReg, 0x80);
  uint8_t anticoll[2] = {0x93, 0x20};
  if (rcTransceive(anticoll, 2, 0, buf, sizeof buf) != 5) return false;
  if ((buf[0] ^ buf[1] ^ buf[2] ^ buf[3]) != buf[4] || buf[0] == 0x88) return false;  // BCC; 7-byte UIDs unsupported
  memcpy(uid, buf, 4);
  uint8_t hlta[4] = {0x50, 0x00};
  crcA(hlta, 2);
  rcTransceive(hlta, 4, 0, buf, sizeof buf);  // a halted card does not answer: a timeout is success
  return true;
}
