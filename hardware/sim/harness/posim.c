// posim: runs the POS firmware in simavr with the box's parts around it, for tests.
//
//   posim [-s speed] [-m max_seconds] [-l link] firmware.elf
//
// Parts: the UART on a pseudo-terminal (its name printed as "PTY /dev/pts/N",
// and -l keeps a symlink to it that survives unplug/plug), a 16x2 HD44780 LCD
// (libsimavrparts; "LCD <row 0>|<row 1>" printed when the display settles),
// four buttons to ground on A0..A3, a buzzer on D8 ("BEEP <hz>"), and a
// minimal MFRC522 on the SPI (REQA, anticollision, HLTA) so a card can be tapped.
//
// Commands, one a line on standard input:
//   press accept|reject|ready|next [ms]   hold a button (default 120 ms of simulated time);
//                                         "RELEASED <name>" is printed 60 ms after it is let go
//   tap XXXXXXXX                          put a card with this 4-byte UID (hex) in the field
//   untap                                 take it away
//   unplug / plug                         close the pty (cable pulled) / open a new one
//   reset                                 reset the MCU (EEPROM survives)
//   quit
// POSIM_DEBUG=1 prints simulated against wall time on stderr (2: every SPI byte too).
// -s is the speed limit in multiples of real time (default 1; 0 = as fast as it goes).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <avr_ioport.h>
#include <avr_spi.h>
#include <avr_uart.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_time.h>
#include <hd44780.h>

static avr_t *avr;
static hd44780_t lcd;

// report is our stdout; simavr's parts print debug text on the C stdout,
// which main sends to /dev/null so that only these lines reach the test.
static FILE *report;

static void out(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fputc('\n', report);
	fflush(report);
}

// ---- UART on a pty ------------------------------------------------------------
static int master = -1, slave = -1;
static const char *link_path;
static avr_irq_t *uart_in;
static int debug;
static int xon = 1;
static uint8_t inq[4096];
static size_t inq_len;

static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param) {
	uint8_t b = value;
	if (master >= 0 && write(master, &b, 1) < 0 && errno != EAGAIN) {
		// the reader side is gone: bytes are lost, as on a pulled cable
	}
}
static void on_xon(struct avr_irq_t *irq, uint32_t value, void *param) { xon = 1; }
static void on_xoff(struct avr_irq_t *irq, uint32_t value, void *param) { xon = 0; }

static void plug(void) {
	char name[256];
	if (openpty(&master, &slave, name, NULL, NULL) < 0) {
		perror("openpty");
		exit(1);
	}
	struct termios t;
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	if (link_path) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", link_path);
		unlink(tmp);
		if (symlink(name, tmp) < 0 || rename(tmp, link_path) < 0) {
			perror("symlink");
			exit(1);
		}
	}
	inq_len = 0;
	out("PTY %s", name);
}

static void unplug(void) {
	if (master < 0) return;
	close(master);
	close(slave);
	master = slave = -1;
	inq_len = 0;
	out("UNPLUGGED");
}

static void poll_pty(void) {
	if (master < 0) return;
	if (inq_len < sizeof inq) {
		ssize_t n = read(master, inq + inq_len, sizeof inq - inq_len);
		if (n > 0) inq_len += n;
	}
	size_t i = 0;
	while (xon && i < inq_len) avr_raise_irq(uart_in, inq[i++]);
	memmove(inq, inq + i, inq_len - i);
	inq_len -= i;
}

// ---- LCD: print it when it changed and then stayed so for 20 ms ---------------------
static char lcd_last[40], lcd_pending[40];
static avr_cycle_count_t lcd_pending_at;

static void lcd_text(char *s) {
	int k = 0;
	for (int row = 0; row < 2; row++) {
		for (int c = 0; c < 16; c++) {
			uint8_t ch = lcd.vram[row * 0x40 + c];
			s[k++] = (ch >= 0x20 && ch < 0x7F) ? ch : ' ';
		}
		if (row == 0) s[k++] = '|';
	}
	s[k] = 0;
}

static void poll_lcd(void) {
	char now[40];
	lcd_text(now);
	if (strcmp(now, lcd_pending) != 0) {
		strcpy(lcd_pending, now);
		lcd_pending_at = avr->cycle;
		return;
	}
	if (strcmp(now, lcd_last) != 0 && avr->cycle - lcd_pending_at > avr_usec_to_cycles(avr, 20000)) {
		strcpy(lcd_last, now);
		out("LCD %s", now);
	}
}

// ---- buttons on A0..A3 (PC0..PC3), active low ------------------------------------------
static const char *button_names[4] = {"accept", "reject", "ready", "next"};

// released reports a let-go button once it has stayed up past the firmware's
// debounce (30 ms), so that the next press is seen as a new one.
static avr_cycle_count_t released(struct avr_t *a, avr_cycle_count_t when, void *param) {
	out("RELEASED %s", button_names[(int)(intptr_t)param]);
	return 0;
}

static avr_cycle_count_t release_button(struct avr_t *a, avr_cycle_count_t when, void *param) {
	avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), (int)(intptr_t)param), 1);
	avr_cycle_timer_register_usec(avr, 60000, released, param);
	return 0;
}

static void press(const char *name, int ms) {
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, button_names[i]) == 0) {
			avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), i), 0);
			avr_cycle_timer_register_usec(avr, ms * 1000, release_button, (void *)(intptr_t)i);
			return;
		}
	}
	out("ERROR unknown button %s", name);
}

// ---- buzzer on D8 (PB0) ------------------------------------------------------------------
// A beep is a run of toggles with a steady period; "BEEP <hz>" is printed at
// its 9th toggle. A gap over 5 ms or a change of pitch starts a new one.
static avr_cycle_count_t buzz_last, buzz_half;
static int buzz_toggles;

static void on_buzzer(struct avr_irq_t *irq, uint32_t value, void *param) {
	avr_cycle_count_t now = avr->cycle, half = now - buzz_last;
	buzz_last = now;
	if (half > avr_usec_to_cycles(avr, 5000) || buzz_toggles == 0) {
		buzz_toggles = 1;
		buzz_half = 0;
		return;
	}
	if (buzz_half && (half * 10 < buzz_half * 9 || half * 10 > buzz_half * 11)) buzz_toggles = 1;
	buzz_half = half;
	if (++buzz_toggles == 9) out("BEEP %d", (int)(1e6 / (2.0 * avr_cycles_to_usec(avr, half)) + 0.5));
}

// ---- MFRC522 on the SPI, chip select on D10 (PB2) ---------------------------------------
static struct {
	uint8_t reg[64];
	uint8_t fifo[64], fifo_len, fifo_pos;
	int selected, nbyte, addr, reading;
	int present, halted;
	uint8_t uid[4];
} rc;
static avr_irq_t *spi_in;

static void rc_reset(void) {
	memset(rc.reg, 0, sizeof rc.reg);
	rc.reg[0x37] = 0x92;  // VersionReg: MFRC522 version 2.0
	rc.fifo_len = rc.fifo_pos = 0;
}

static void rc_answer(const uint8_t *p, int n) {
	memcpy(rc.fifo, p, n);
	rc.fifo_len = n;
	rc.fifo_pos = 0;
	rc.reg[0x04] |= 0x30;  // RxIRq | IdleIRq
	rc.reg[0x06] = 0;      // ErrorReg
}

static void rc_transceive(void) {
	uint8_t *f = rc.fifo + rc.fifo_pos;
	int n = rc.fifo_len - rc.fifo_pos;
	int awake = rc.present && !rc.halted;
	rc.fifo_len = rc.fifo_pos = 0;
	if (n >= 1 && (f[0] == 0x26 || f[0] == 0x52) && rc.present && (awake || f[0] == 0x52)) {
		static const uint8_t atqa[2] = {0x04, 0x00};
		rc.halted = 0;
		rc_answer(atqa, 2);
	} else if (n >= 2 && f[0] == 0x93 && f[1] == 0x20 && awake) {
		uint8_t a[5] = {rc.uid[0], rc.uid[1], rc.uid[2], rc.uid[3], rc.uid[0] ^ rc.uid[1] ^ rc.uid[2] ^ rc.uid[3]};
		rc_answer(a, 5);
	} else {
		if (n >= 2 && f[0] == 0x50 && f[1] == 0x00 && awake) rc.halted = 1;
		rc.reg[0x04] |= 0x01;  // TimerIRq: nobody answered
	}
}

static void rc_write(int reg, uint8_t v) {
	switch (reg) {
	case 0x01:  // CommandReg
		if ((v & 0x0F) == 0x0F) rc_reset();
		else rc.reg[reg] = v;
		break;
	case 0x04:  // ComIrqReg: bit 7 says set (1) or clear (0) the marked bits
		if (v & 0x80) rc.reg[reg] |= v & 0x7F;
		else rc.reg[reg] &= ~v;
		break;
	case 0x09:  // FIFODataReg
		if (rc.fifo_len < sizeof rc.fifo) rc.fifo[rc.fifo_len++] = v;
		break;
	case 0x0A:  // FIFOLevelReg: bit 7 flushes
		if (v & 0x80) rc.fifo_len = rc.fifo_pos = 0;
		break;
	case 0x0D:  // BitFramingReg: StartSend starts a Transceive
		rc.reg[reg] = v & 0x7F;
		if ((v & 0x80) && (rc.reg[0x01] & 0x0F) == 0x0C) rc_transceive();
		break;
	default:
		rc.reg[reg] = v;
	}
}

static uint8_t rc_read(int reg) {
	switch (reg) {
	case 0x09:
		return rc.fifo_pos < rc.fifo_len ? rc.fifo[rc.fifo_pos++] : 0;
	case 0x0A:
		return rc.fifo_len - rc.fifo_pos;
	}
	return rc.reg[reg];
}


static void on_spi(struct avr_irq_t *irq, uint32_t value, void *param) {
	uint8_t reply = 0;
	if (debug > 1) fprintf(stderr, "spi %d %02x\n", rc.selected, value);
	if (rc.selected) {
		if (rc.nbyte == 0) {
			rc.addr = (value >> 1) & 0x3F;
			rc.reading = (value & 0x80) != 0;
		} else if (rc.reading) {
			reply = rc_read(rc.addr);
			rc.addr = (value >> 1) & 0x3F;  // the next address, for burst reads
		} else {
			rc_write(rc.addr, value);
		}
		rc.nbyte++;
	}
	avr_raise_irq(spi_in, reply);
}

static void on_ss(struct avr_irq_t *irq, uint32_t value, void *param) {
	rc.selected = value == 0;
	rc.nbyte = 0;
}

// ---- commands on stdin ----------------------------------------------------------------------
static char cmd[256];
static size_t cmd_len;

static int command(char *line) {
	char a[64] = "", b[64] = "";
	sscanf(line, "%63s %63s", a, b);
	if (strcmp(a, "press") == 0) {
		char c[16] = "";
		sscanf(line, "%*s %*s %15s", c);
		press(b, c[0] ? atoi(c) : 120);
	} else if (strcmp(a, "tap") == 0) {
		unsigned v = strtoul(b, NULL, 16);
		rc.uid[0] = v >> 24, rc.uid[1] = v >> 16, rc.uid[2] = v >> 8, rc.uid[3] = v;
		rc.present = 1;
		rc.halted = 0;
	} else if (strcmp(a, "untap") == 0) {
		rc.present = 0;
	} else if (strcmp(a, "unplug") == 0) {
		unplug();
	} else if (strcmp(a, "plug") == 0) {
		if (master < 0) plug();
	} else if (strcmp(a, "reset") == 0) {
		avr_reset(avr);
		out("RESET");
	} else if (strcmp(a, "quit") == 0) {
		return 1;
	} else if (a[0]) {
		out("ERROR unknown command %s", a);
	}
	return 0;
}

static int poll_stdin(void) {
	char buf[256];
	ssize_t n = read(0, buf, sizeof buf);
	if (n == 0) return 1;  // the test is gone
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			cmd[cmd_len] = 0;
			cmd_len = 0;
			if (command(cmd)) return 1;
		} else if (cmd_len < sizeof cmd - 1) {
			cmd[cmd_len++] = buf[i];
		}
	}
	return 0;
}

// no_sleep replaces simavr's default, which sleeps in real time whenever the
// MCU sleeps: main throttles to real time itself, over the whole run.
static void no_sleep(struct avr_t *a, avr_cycle_count_t how_long) {}

static double wall_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	double speed = 1, max_seconds = 0;
	int opt;
	while ((opt = getopt(argc, argv, "s:m:l:")) != -1) {
		switch (opt) {
		case 's': speed = atof(optarg); break;
		case 'm': max_seconds = atof(optarg); break;
		case 'l': link_path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s speed] [-m max_seconds] [-l link] firmware.elf\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-s speed] [-m max_seconds] [-l link] firmware.elf\n", argv[0]);
		return 2;
	}
	report = fdopen(dup(1), "w");
	if (!report || !freopen("/dev/null", "w", stdout)) return 1;
	elf_firmware_t f = {0};
	if (elf_read_firmware(argv[optind], &f) != 0) {
		fprintf(stderr, "posim: cannot read %s\n", argv[optind]);
		return 1;
	}
	avr = avr_make_mcu_by_name("atmega328p");
	if (!avr) return 1;
	avr_init(avr);
	avr_load_firmware(avr, &f);
	avr->frequency = 16000000;
	avr->log = 0;
	avr->sleep = no_sleep;

	uint32_t flags = 0;
	avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
	flags &= ~(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
	avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
	uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_out, NULL);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), on_xon, NULL);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), on_xoff, NULL);

	hd44780_init(avr, &lcd, 16, 2);
	static const struct { char port; int pin; int irq; } wires[] = {
		{'D', 7, IRQ_HD44780_RS}, {'D', 6, IRQ_HD44780_E}, {'D', 5, IRQ_HD44780_D4},
		{'D', 4, IRQ_HD44780_D5}, {'D', 3, IRQ_HD44780_D6}, {'D', 2, IRQ_HD44780_D7},
	};
	for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++)
		avr_connect_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(wires[i].port), wires[i].pin), lcd.irq + wires[i].irq);
	avr_raise_irq(lcd.irq + IRQ_HD44780_RW, 0);

	for (int i = 0; i < 4; i++) avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), i), 1);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 0), on_buzzer, NULL);

	rc_reset();
	spi_in = avr_io_getirq(avr, AVR_IOCTL_SPI_GETIRQ(0), SPI_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_SPI_GETIRQ(0), SPI_IRQ_OUTPUT), on_spi, NULL);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 2), on_ss, NULL);

	debug = getenv("POSIM_DEBUG") ? atoi(getenv("POSIM_DEBUG")) : 0;
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	plug();
	out("READY");

	double start = wall_now();
	for (unsigned long loops = 0;; loops++) {
		for (int i = 0; i < 1024; i++) {
			int state = avr_run(avr);
			if (state == cpu_Done || state == cpu_Crashed) {
				out("STOPPED %d", state);
				return 1;
			}
		}
		poll_pty();
		poll_lcd();
		if ((loops & 15) == 0 && poll_stdin()) break;
		double sim = avr_cycles_to_usec(avr, avr->cycle) / 1e6;
		double wall = wall_now() - start;
		if (max_seconds > 0 && wall > max_seconds) {
			out("TIMEOUT");
			break;
		}
		if (debug && (loops % 2000) == 0) fprintf(stderr, "time sim %.2f wall %.2f\n", sim, wall);
		if (speed > 0 && sim / speed > wall + 0.001) usleep((useconds_t)((sim / speed - wall) * 1e6));
	}
	unplug();
	return 0;
}
