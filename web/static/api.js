// The HTTP API client shared by the pages: the bearer token kept in
// localStorage ("illuwa_token", which the map also passes on /ws), JSON in and
// out, and problem+json answers thrown as ApiError.

const TOKEN_KEY = "illuwa_token";
const USER_KEY = "illuwa_user";

// ApiError is a failed API call: status (0 when the network failed), code
// (the problem's stable code), message (its detail, for people) and fields
// ({field: message} of validation problems).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || (status ? `HTTP ${status}` : "network error"));
    this.status = status;
    this.code = problem?.code || "";
    this.fields = Object.fromEntries((problem?.errors || []).map((e) => [e.field, e.message]));
  }
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: nobody is logged in
  }
}

// token returns the stored bearer token, or "".
export function token() {
  return storage()?.getItem(TOKEN_KEY) || "";
}

// savedUser returns the user stored at login ({id, login_id, nickname, role, ...}) or null.
export function savedUser() {
  try {
    return JSON.parse(storage()?.getItem(USER_KEY) || "null");
  } catch {
    return null;
  }
}

// saveSession keeps the token and the user after a login.
export function saveSession(tok, user) {
  storage()?.setItem(TOKEN_KEY, tok);
  storage()?.setItem(USER_KEY, JSON.stringify(user));
}

// clearSession forgets the token and the user.
export function clearSession() {
  storage()?.removeItem(TOKEN_KEY);
  storage()?.removeItem(USER_KEY);
}

// api calls the API at /api/v1 + path and returns the decoded JSON (null for
// an empty answer). body, when given, is sent as JSON; headers are added. A
// 401 with a stored token means the session ended: it is forgotten.
export async function api(method, path, body, headers = {}) {
  const h = { Accept: "application/json", ...headers };
  const tok = token();
  if (tok) h.Authorization = `Bearer ${tok}`;
  const init = { method, headers: h, cache: "no-store" };
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch("/api/v1" + path, init);
  } catch {
    throw new ApiError(0, { detail: "network error" });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && tok) clearSession();
    throw new ApiError(res.status, data);
  }
  return data;
}

// download fetches /api/v1 + path with the session's token, asking for the
// type accept, and saves the answer as a file named by the server's
// Content-Disposition (or fallback). It throws ApiError like api.
export async function download(path, accept, fallback) {
  const h = { Accept: accept };
  const tok = token();
  if (tok) h.Authorization = `Bearer ${tok}`;
  let res;
  try {
    res = await fetch("/api/v1" + path, { headers: h, cache: "no-store" });
  } catch {
    throw new ApiError(0, { detail: "network error" });
  }
  if (!res.ok) {
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    throw new ApiError(res.status, data);
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || fallback;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { name, size: blob.size, text: await blob.text() };
}

// upload sends file as the multipart field "file" to POST /api/v1/images and
// returns the stored image ({id, url, ...}).
export async function upload(file) {
  const body = new FormData();
  body.append("file", file);
  const h = { Accept: "application/json" };
  const tok = token();
  if (tok) h.Authorization = `Bearer ${tok}`;
  let res;
  try {
    res = await fetch("/api/v1/images", { method: "POST", headers: h, body, cache: "no-store" });
  } catch {
    throw new ApiError(0, { detail: "network error" });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// newKey returns a random UUID, for Idempotency-Key headers.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
