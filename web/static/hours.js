// Business hours (the API's Hours: weekday key -> [{open, close}], Korean
// local time), read as a person would: whether a stall should be open now.
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// seoulNow returns the weekday key and the minutes since midnight in Seoul.
export function seoulNow(now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-US", { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Asia/Seoul" })
    .formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type)?.value || "";
  return { day: get("weekday").toLowerCase().slice(0, 3), minutes: Number(get("hour")) * 60 + Number(get("minute")) };
}

function minutes(clock) {
  const [h, m] = String(clock).split(":").map(Number);
  return h * 60 + m;
}

// hasHours reports whether any day has a span.
export function hasHours(hours) {
  return DAYS.some((d) => (hours?.[d] || []).length > 0);
}

// openByHours reports whether now falls in a span of hours: today's, or
// yesterday's running past midnight. null when no hours are set.
export function openByHours(hours, now = new Date()) {
  if (!hasHours(hours)) return null;
  const { day, minutes: m } = seoulNow(now);
  const i = DAYS.indexOf(day);
  const yesterday = DAYS[(i + 6) % 7];
  for (const s of hours[day] || []) {
    const o = minutes(s.open), c = minutes(s.close);
    if (c > o ? m >= o && m < c : m >= o) return true;
  }
  for (const s of hours[yesterday] || []) {
    const o = minutes(s.open), c = minutes(s.close);
    if (c < o && m < c) return true;
  }
  return false;
}

// openState combines the live map (the owner opened the stall) with the
// hours: "open" (live, and in hours or no hours set), "live_off_hours",
// "hours_not_live" (in hours but not opened) or "closed".
export function openState(live, hours, now = new Date()) {
  const byHours = openByHours(hours, now);
  if (live) return byHours === false ? "live_off_hours" : "open";
  return byHours ? "hours_not_live" : "closed";
}
