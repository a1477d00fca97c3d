// Illuwa POS box firmware (Arduino Uno): shows the stall's orders on a 16x2
// LCD, beeps on a new one, reports the accept / reject / ready buttons and
// card taps to the bridge over the serial protocol of docs/pos-protocol.md.
//
// Built without the IDE (see ../Makefile): functions are defined before use.
#include <avr/eeprom.h>
#include <avr/sleep.h>
#include <util/crc16.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "lcd.h"
#include "mfrc522.h"
#include "siphash.h"
#include "buzzer.h"

// ---- protocol (docs/pos-protocol.md) -------------------------------------
enum { T_HELLO = 0x01, T_PING = 0x02, T_ACK = 0x06, T_ORDER = 0x10, T_WITHDRAW = 0x11,
       T_PAYMENT = 0x12, T_BUTTON = 0x20, T_CARD = 0x21, T_ERROR = 0x7F };
enum { ACK_OK = 0, ACK_DUP = 1, ACK_BUSY = 2, ACK_REFUSED = 3 };
enum { BTN_ACCEPT = 1, BTN_REJECT = 2, BTN_READY = 3, BTN_NEXT = 4 };
enum { ST_NEW = 0, ST_ACCEPTED = 1 };
enum { WD_CANCELLED = 1, WD_ACCEPTED = 2, WD_DONE = 3 };
enum { E_VERSION = 1, E_MALFORMED = 2, E_UNSUPPORTED = 3, E_READER = 4 };
#define PROTOCOL_VERSION 1
#define MAX_PAYLOAD 60
#define MAX_RAW (MAX_PAYLOAD + 4)
#define MAX_WIRE (MAX_RAW + 2)

// ---- state kept in EEPROM across resets and power cuts --------------------
struct Slot {
  uint8_t used, state;
  uint16_t arrival;  // order of arrival, for "oldest first"
  uint32_t id;
  uint16_t pickup;
  uint32_t total;
  uint8_t lines;
  char summary[SUMMARY_LEN + 1];
};

#define SAVED_MAGIC 0x4931  // "I1": layout 1
struct Saved {
  uint16_t magic;
  uint16_t boots;
  uint16_t arrivals;
  uint8_t seenHead;
  uint32_t seen[SEEN_IDS];  // ids that left the queue (or were withdrawn unseen)
  Slot slots[QUEUE_SLOTS];
};

Saved st;
Saved EEMEM eeSaved;

static void saveSlot(uint8_t i) { eeprom_update_block(&st.slots[i], &eeSaved.slots[i], sizeof(Slot)); }
static void saveHeader() { eeprom_update_block(&st, &eeSaved, offsetof(Saved, seen)); }

static void loadSaved() {
  eeprom_read_block(&st, &eeSaved, sizeof st);
  if (st.magic != SAVED_MAGIC) {
    memset(&st, 0, sizeof st);
    st.magic = SAVED_MAGIC;
    eeprom_update_block(&st, &eeSaved, sizeof st);
  }
  for (uint8_t i = 0; i < QUEUE_SLOTS; i++) st.slots[i].summary[SUMMARY_LEN] = 0;
}

static bool seenID(uint32_t id) {
  for (uint8_t i = 0; i < SEEN_IDS; i++)
    if (st.seen[i] == id) return true;
  return false;
}

static void rememberID(uint32_t id) {
  if (seenID(id)) return;
  st.seen[st.seenHead] = id;
  eeprom_update_block(&st.seen[st.seenHead], &eeSaved.seen[st.seenHead], 4);
  st.seenHead = (st.seenHead + 1) % SEEN_IDS;
  saveHeader();
}

static int8_t findSlot(uint32_t id) {
  for (uint8_t i = 0; i < QUEUE_SLOTS; i++)
    if (st.slots[i].used && st.slots[i].id == id) return i;
  return -1;
}

static void dropSlot(uint8_t i) {
  rememberID(st.slots[i].id);
  st.slots[i].used = 0;
  saveSlot(i);
}

// ordered fills idx with the used slots, new ones first, each group oldest first.
static uint8_t ordered(uint8_t *idx) {
  uint8_t n = 0;
  for (uint8_t s = ST_NEW; s <= ST_ACCEPTED; s++) {
    uint8_t from = n;
    for (uint8_t i = 0; i < QUEUE_SLOTS; i++)
      if (st.slots[i].used && st.slots[i].state == s) idx[n++] = i;
    for (uint8_t a = from + 1; a < n; a++)  // insertion sort by arrival
      for (uint8_t b = a; b > from && (int16_t)(st.slots[idx[b]].arrival - st.slots[idx[b - 1]].arrival) < 0; b--) {
        uint8_t t = idx[b]; idx[b] = idx[b - 1]; idx[b - 1] = t;
      }
  }
  return n;
}

// ---- link state ------------------------------------------------------------
uint16_t bootID;
bool readerOK;
bool hostSeen, helloPending = true;
uint32_t lastHostFrame;
uint16_t malformed, malformedReported;
uint32_t malformedCheckAt;

uint8_t rxBuf[MAX_WIRE];
uint8_t rxLen;
bool rxOverflow;
bool rxHave;
uint8_t rxLast, rxLastStatus;

struct Event { uint8_t type, len; uint8_t p[12]; };
Event outbox[OUTBOX_SLOTS];
uint8_t outHead, outCount;

uint8_t txSeq;
bool inflight, inflightHello;
uint8_t inflightSeq, attempts;
uint32_t sentAt;
uint8_t txWire[MAX_WIRE];
uint8_t txWireLen;

// ---- display state -------------------------------------------------------------
uint32_t viewID;  // the order on the display (0: the first in order)
char shown[2][17];
char notice[17];
uint32_t noticeUntil;
bool dirty = true;


static void setNotice(const char *s) {
  strncpy(notice, s, 16);
  notice[16] = 0;
  noticeUntil = millis() + NOTICE_MS;
  dirty = true;
}

// ---- framing -------------------------------------------------------------------------
// frame builds type, seq, payload and CRC into a COBS-encoded, 0-terminated wire frame.
static uint8_t frame(uint8_t *wire, uint8_t type, uint8_t seq, const uint8_t *p, uint8_t n) {
  uint8_t raw[MAX_RAW];
  raw[0] = type;
  raw[1] = seq;
  memcpy(raw + 2, p, n);
  uint16_t crc = 0xFFFF;
  for (uint8_t i = 0; i < n + 2; i++) crc = _crc_xmodem_update(crc, raw[i]);
  raw[n + 2] = crc >> 8;
  raw[n + 3] = crc & 0xFF;
  uint8_t len = n + 4, out = 1, code = 1, codeAt = 0;
  for (uint8_t i = 0; i < len; i++) {
    if (raw[i] == 0) {
      wire[codeAt] = code;
      codeAt = out++;
      code = 1;
    } else {
      wire[out++] = raw[i];
      code++;
    }
  }
  wire[codeAt] = code;
  wire[out++] = 0;
  return out;
}

static void sendAck(uint8_t seq, uint8_t status) {
  uint8_t wire[8];
  uint8_t n = frame(wire, T_ACK, seq, &status, 1);
  Serial.write(wire, n);
}

static bool queueEvent(uint8_t type, const uint8_t *p, uint8_t n) {
  if (outCount == OUTBOX_SLOTS) return false;
  Event &e = outbox[(outHead + outCount) % OUTBOX_SLOTS];
  e.type = type;
  e.len = n;
  memcpy(e.p, p, n);
  outCount++;
  return true;
}

static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint16_t)p[2] << 8 | p[3]; }

// transmit starts the next frame when none is in flight, and repeats the one
// in flight when its ack is late: fast at first, then every SLOW_RETRY_MS.
static void transmit() {
  uint32_t now = millis();
  if (inflight) {
    uint32_t wait = attempts < RETRY_FAST ? ACK_TIMEOUT_MS : SLOW_RETRY_MS;
    if (now - sentAt < wait) return;
    if (attempts < 255) attempts++;
    Serial.write(txWire, txWireLen);
    sentAt = now;
    return;
  }
  uint8_t p[MAX_PAYLOAD];
  uint8_t type, n;
  if (helloPending) {
    const char *name = FIRMWARE_NAME;
    p[0] = PROTOCOL_VERSION;
    p[1] = 'B';
    p[2] = bootID >> 8;
    p[3] = bootID & 0xFF;
    n = 4 + strlen(name);
    memcpy(p + 4, name, n - 4);
    type = T_HELLO;
    inflightHello = true;
    helloPending = false;
  } else if (outCount) {
    Event &e = outbox[outHead];
    type = e.type;
    n = e.len;
    memcpy(p, e.p, n);
    inflightHello = false;
  } else {
    return;
  }
  if (++txSeq == 0) txSeq = 1;
  inflightSeq = txSeq;
  txWireLen = frame(txWire, type, txSeq, p, n);
  Serial.write(txWire, txWireLen);
  inflight = true;
  attempts = 0;
  sentAt = now;
}

static void handleAck(uint8_t seq) {
  if (!inflight || seq != inflightSeq) return;  // a late ack of an earlier frame
  inflight = false;
  if (!inflightHello && outCount) {
    outHead = (outHead + 1) % OUTBOX_SLOTS;
    outCount--;
  }
}

// ---- what the host asks ------------------------------------------------------------
static uint8_t onOrder(const uint8_t *p, uint8_t n) {
  if (n < 12 || n > 12 + 40 || p[11] > ST_ACCEPTED) return ACK_REFUSED;
  uint32_t id = get32(p);
  if (id == 0) return ACK_REFUSED;
  if (findSlot(id) >= 0 || seenID(id)) return ACK_DUP;  // never shown twice
  int8_t free = -1;
  for (uint8_t i = 0; i < QUEUE_SLOTS; i++)
    if (!st.slots[i].used) { free = i; break; }
  if (free < 0) return ACK_BUSY;
  Slot &s = st.slots[free];
  s.used = 1;
  s.state = p[11];
  s.id = id;
  s.pickup = (uint16_t)p[4] << 8 | p[5];
  s.total = get32(p + 6);
  s.lines = p[10];
  uint8_t k = n - 12 < SUMMARY_LEN ? n - 12 : SUMMARY_LEN;
  for (uint8_t i = 0; i < k; i++) s.summary[i] = (p[12 + i] >= 0x20 && p[12 + i] <= 0x7E) ? p[12 + i] : '?';
  s.summary[k] = 0;
  s.arrival = ++st.arrivals;
  saveSlot(free);
  saveHeader();
  if (s.state == ST_NEW) beep(2000, 120);
  dirty = true;
  return ACK_OK;
}

static uint8_t onWithdraw(const uint8_t *p, uint8_t n) {
  if (n != 5 || p[4] < WD_CANCELLED || p[4] > WD_DONE) return ACK_REFUSED;
  uint32_t id = get32(p);
  int8_t i = findSlot(id);
  if (i < 0) {
    bool known = seenID(id);
    if (p[4] != WD_ACCEPTED) rememberID(id);  // a late Order for it must not show
    return known ? ACK_DUP : ACK_OK;
  }
  dirty = true;
  if (p[4] == WD_ACCEPTED) {
    if (st.slots[i].state == ST_ACCEPTED) return ACK_DUP;
    st.slots[i].state = ST_ACCEPTED;
    saveSlot(i);
    return ACK_OK;
  }
  dropSlot(i);
  return ACK_OK;
}

static uint8_t onPayment(const uint8_t *p, uint8_t n) {
  if (n < 5 || p[4] > 1) return ACK_REFUSED;
  char line[17];
  uint32_t id = get32(p);
  int8_t i = findSlot(id);
  snprintf(line, sizeof line, "%s #%03u", p[4] ? "PAID" : "DECLINED", i >= 0 ? st.slots[i].pickup : (unsigned)(id % 1000));
  setNotice(line);
  if (p[4]) beep(3000, 150);
  else beep(300, 500);
  return ACK_OK;
}

static uint8_t onHello(const uint8_t *p, uint8_t n) {
  if (n < 4 || p[1] != 'H') return ACK_REFUSED;
  if (p[0] != PROTOCOL_VERSION) {
    uint8_t e[2] = {E_VERSION, '0' + PROTOCOL_VERSION};
    queueEvent(T_ERROR, e, 2);
    setNotice("host version?");
    return ACK_REFUSED;
  }
  hostSeen = true;
  if (!(inflight && inflightHello)) helloPending = true;  // answer with our own Hello
  dirty = true;
  return ACK_OK;
}

static void onFrame(uint8_t *raw, uint8_t len) {
  if (len < 4) { malformed++; return; }
  uint16_t crc = 0xFFFF;
  for (uint8_t i = 0; i < len - 2; i++) crc = _crc_xmodem_update(crc, raw[i]);
  if ((crc >> 8) != raw[len - 2] || (crc & 0xFF) != raw[len - 1]) { malformed++; return; }
  uint8_t type = raw[0], seq = raw[1], n = len - 4;
  const uint8_t *p = raw + 2;
  lastHostFrame = millis();
  if (type == T_ACK) { handleAck(seq); return; }
  if (type == T_HELLO) rxHave = false;
  if (rxHave && seq == rxLast) { sendAck(seq, rxLastStatus); return; }  // a repeat
  uint8_t status;
  switch (type) {
    case T_HELLO: status = onHello(p, n); break;
    case T_PING: status = n == 0 ? ACK_OK : ACK_REFUSED; break;
    case T_ORDER: status = onOrder(p, n); break;
    case T_WITHDRAW: status = onWithdraw(p, n); break;
    case T_PAYMENT: status = onPayment(p, n); break;
    case T_ERROR: status = ACK_OK; break;
    default: status = ACK_REFUSED;
  }
  rxHave = true;
  rxLast = seq;
  rxLastStatus = status;
  sendAck(seq, status);
}

// receive reads what the UART has; a 0x00 ends a frame, which is COBS-decoded in place.
static void receive() {
  while (Serial.available()) {
    uint8_t b = Serial.read();
    if (b != 0) {
      if (rxLen < MAX_WIRE - 1) rxBuf[rxLen++] = b;
      else rxOverflow = true;
      continue;
    }
    if (rxOverflow) {
      malformed++;
    } else if (rxLen > 0) {
      uint8_t raw[MAX_RAW + 2], out = 0, i = 0;
      bool ok = true;
      while (i < rxLen) {
        uint8_t code = rxBuf[i];
        if (code == 0 || i + code > rxLen || out + code > sizeof raw) { ok = false; break; }
        for (uint8_t k = 1; k < code; k++) raw[out++] = rxBuf[i + k];
        i += code;
        if (code != 0xFF && i < rxLen) raw[out++] = 0;
      }
      if (ok && out <= MAX_RAW) onFrame(raw, out);
      else malformed++;
    }
    rxLen = 0;
    rxOverflow = false;
  }
}

// ---- buttons ---------------------------------------------------------------------------
const uint8_t buttonPins[4] = {PIN_BTN_ACCEPT, PIN_BTN_REJECT, PIN_BTN_READY, PIN_BTN_NEXT};
uint8_t btnStable = 0x0F, btnRaw = 0x0F;  // bit set = released (pulled up)
uint32_t btnChangedAt[4];

static void onButton(uint8_t b) {
  uint8_t idx[QUEUE_SLOTS];
  uint8_t n = ordered(idx);
  int8_t pos = 0;
  for (uint8_t i = 0; i < n; i++)
    if (st.slots[idx[i]].id == viewID) pos = i;
  if (b == BTN_NEXT) {
    if (n) viewID = st.slots[idx[(pos + 1) % n]].id;
    dirty = true;
    return;
  }
  if (!n) { beep(400, 200); return; }
  uint8_t i = idx[pos];
  Slot &s = st.slots[i];
  bool ok = (b == BTN_ACCEPT && s.state == ST_NEW) || (b == BTN_REJECT && s.state == ST_NEW) ||
            (b == BTN_READY && s.state == ST_ACCEPTED);
  uint8_t p[6] = {b, 0, 0, 0, 0, (uint8_t)(b == BTN_ACCEPT ? READY_MINUTES : 0)};
  put32(p + 1, s.id);
  if (!ok || !queueEvent(T_BUTTON, p, 6)) { beep(400, 200); return; }
  if (b == BTN_ACCEPT) {
    s.state = ST_ACCEPTED;
    saveSlot(i);
  } else {
    dropSlot(i);
  }
  viewID = 0;  // back to the oldest unhandled order
  beep(1500, 40);
  dirty = true;
}

static void pollButtons() {
  uint32_t now = millis();
  for (uint8_t b = 0; b < 4; b++) {
    uint8_t bit = 1 << b, level = digitalRead(buttonPins[b]) ? bit : 0;
    if (level != (btnRaw & bit)) {
      btnRaw ^= bit;
      btnChangedAt[b] = now;
    } else if (level != (btnStable & bit) && now - btnChangedAt[b] >= DEBOUNCE_MS) {
      btnStable ^= bit;
      if (!level) onButton(b + 1);  // pressed: pulled to ground
    }
  }
}

// ---- card reader -----------------------------------------------------------------------
uint32_t cardPollAt, lastCardAt;
uint8_t lastUID[4];

static void pollCard() {
  uint32_t now = millis();
  if (!readerOK || now - cardPollAt < CARD_POLL_MS) return;
  cardPollAt = now;
  uint8_t uid[4];
  if (!rcReadUID(uid)) return;
  if (memcmp(uid, lastUID, 4) == 0 && now - lastCardAt < CARD_REPEAT_MS) return;
  memcpy(lastUID, uid, 4);
  lastCardAt = now;
  static const uint8_t key[16] = CARD_KEY;
  uint8_t p[12];
  uint8_t idx[QUEUE_SLOTS];
  uint8_t n = ordered(idx);
  uint32_t id = 0;
  for (uint8_t i = 0; i < n; i++)
    if (st.slots[idx[i]].id == viewID || (!id && i == 0)) id = st.slots[idx[i]].id;
  put32(p, id);
  sipHash24(key, uid, 4, p + 4);
  memset(uid, 0, sizeof uid);
  if (!queueEvent(T_CARD, p, 12)) { beep(400, 200); return; }
  beep(2500, 60);
  setNotice("card read");
}

// ---- display ---------------------------------------------------------------------------
static void redraw() {
  uint32_t now = millis();
  bool hostAlive = hostSeen && now - lastHostFrame < HOST_SILENT_MS;
  if (noticeUntil && (int32_t)(now - noticeUntil) >= 0) { noticeUntil = 0; dirty = true; }
  static bool wasAlive;
  if (hostAlive != wasAlive) { wasAlive = hostAlive; dirty = true; }
  if (!dirty) return;
  dirty = false;
  char l[2][17];
  uint8_t idx[QUEUE_SLOTS];
  uint8_t n = ordered(idx);
  if (!n) {
    strcpy(l[0], "Illuwa POS");
    strcpy(l[1], !hostSeen ? "waiting for host" : hostAlive ? "no orders" : "no host");
  } else {
    uint8_t pos = 0;
    for (uint8_t i = 0; i < n; i++)
      if (st.slots[idx[i]].id == viewID) pos = i;
    Slot &s = st.slots[idx[pos]];
    char where[6];
    snprintf(where, sizeof where, "%u/%u", pos + 1, n);
    snprintf(l[0], 17, "#%03u %-7s%4s%c", s.pickup % 1000, s.state == ST_NEW ? "NEW" : "COOKING", where, hostAlive ? ' ' : '!');
    snprintf(l[1], 17, "%lu %s", (unsigned long)s.total, s.summary);
  }
  if (noticeUntil) strcpy(l[1], notice);
  for (uint8_t r = 0; r < 2; r++) {
    if (strcmp(l[r], shown[r]) != 0) {
      lcdLine(r, l[r]);
      strcpy(shown[r], l[r]);
    }
  }
}

// ---- setup and loop --------------------------------------------------------------------
void setup() {
  Serial.begin(SERIAL_BAUD);
  for (uint8_t b = 0; b < 4; b++) pinMode(buttonPins[b], INPUT_PULLUP);
  pinMode(PIN_BUZZER, OUTPUT);
  lcdInit();
  lcdLine(0, "Illuwa POS");
  lcdLine(1, "starting...");
  loadSaved();
  st.boots++;
  saveHeader();
  bootID = st.boots;
  readerOK = rcInit();
  if (!readerOK) {
    uint8_t e[1] = {E_READER};
    queueEvent(T_ERROR, e, 1);
  }
  shown[0][0] = shown[1][0] = 0;
  dirty = true;
}

void loop() {
  receive();
  transmit();
  pollButtons();
  pollCard();
  uint32_t now = millis();
  if (now - malformedCheckAt >= 10000UL) {
    malformedCheckAt = now;
    if (malformed != malformedReported) {
      char d[8];
      uint8_t e[8];
      uint8_t k = snprintf(d, sizeof d, "%u", malformed - malformedReported);
      e[0] = E_MALFORMED;
      memcpy(e + 1, d, k);
      if (queueEvent(T_ERROR, e, 1 + k)) malformedReported = malformed;
    }
  }
  redraw();
  // Idle until the next interrupt (the 1 ms timer tick, a received byte):
  // less power, and a simulator skips the idle time.
  set_sleep_mode(SLEEP_MODE_IDLE);
  sleep_mode();
}
