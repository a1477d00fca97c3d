// A short two-tone beep made with WebAudio (no audio files). Browsers start
// audio only after a user gesture, so unlock() is called from one.

let ctx = null;

// unlock creates (or resumes) the audio context; call it from a click.
export function unlock() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return false;
  ctx = ctx || new AC();
  if (ctx.state === "suspended") ctx.resume();
  return true;
}

// beep plays the new-order sound if audio is unlocked; it reports whether it could.
export function beep() {
  if (!ctx || ctx.state !== "running") return false;
  const t = ctx.currentTime;
  for (const [freq, start] of [[880, 0], [1320, 0.18]]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t + start);
    gain.gain.exponentialRampToValueAtTime(0.3, t + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t + start);
    osc.stop(t + start + 0.16);
  }
  return true;
}
